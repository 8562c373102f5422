package wire

import (
	"fmt"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// reservedNames are the header names HTTP/2, gRPC, Triple's transport or
// dubbo-go own, in lower case: HTTP/1 connection-specific fields (which
// make an HTTP/2 message malformed, RFC 9113 8.2.2), the fields every
// request or response carries, and the attachments dubbo-go puts on every
// call for itself. Names starting with "grpc-" or ":" are reserved too.
var reservedNames = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true,
	"transfer-encoding": true, "upgrade": true, "te": true, "host": true,
	"content-type": true, "content-length": true, "trailer": true, "user-agent": true,
	"timeout": true, "retries": true, "interface": true,
}

// CheckUserName returns nil when users may set header (or trailer) name
// k, of any case, and otherwise an error saying why: the name is reserved
// (see reservedNames) or is not a valid HTTP/2 field name (a peer would
// take it for a connection error). Both sides call it: a consumer's
// request headers and a provider's response headers and trailers with
// such a name are refused with it, and a dubbo-go attachment with such a
// name is not sent.
func CheckUserName(k string) error {
	lk := Lower(k)
	switch {
	case lk == "":
		return fmt.Errorf("streamx: an empty header name is not allowed")
	case reservedNames[lk], strings.HasPrefix(lk, "grpc-"), lk[0] == ':':
		return fmt.Errorf("streamx: header %q is reserved for the protocol", k)
	case !httpguts.ValidHeaderFieldName(lk):
		return fmt.Errorf("streamx: header name %q is not a valid HTTP/2 field name", k)
	}
	return nil
}

// ReservedHeader reports whether users may not set header name k, of any
// case: CheckUserName's error is not nil.
func ReservedHeader(k string) bool { return CheckUserName(k) != nil }
