package h2

import (
	"errors"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Checks of a decoded header block against the rules HTTP/2 puts on the
// fields themselves (RFC 9113 8.1.1, 8.2.2, 8.3). FrameReader has already
// checked what x/net's Framer checks (valid, lower-case names, valid values,
// pseudo fields first, no unknown or repeated pseudo fields); these checks
// add the rules that depend on what the block is: a request, a response or
// trailers. They are pure and cost no allocation when the block is valid;
// an error is a *HeaderError that wraps ErrMalformed. The receiver answers a
// malformed block with a stream error of type PROTOCOL_ERROR (RFC 9113
// 8.1.1), never with a connection error.
//
// Messages name the field and the rule, never the value of a field other
// than a pseudo field: a value may be a secret (authorization, a cookie).
//
// Not checked here (documented choices): a host field that differs from
// :authority (a SHOULD in 8.3.1), leading or trailing white space in values
// (8.2.1; x/net does not check it either, and peers send it), and fields
// that RFC 9110 6.5.1 says should not be in trailers.

// ErrMalformed is wrapped by every error of these checks.
var ErrMalformed = errors.New("malformed header block")

// HeaderError tells which field broke which rule.
type HeaderError struct {
	Field  string // the field's name, or "" for a rule on the whole block
	Reason string
}

func (e *HeaderError) Error() string {
	if e.Field == "" {
		return "malformed header block: " + e.Reason
	}
	return "malformed header block: field " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrMalformed.
func (e *HeaderError) Unwrap() error { return ErrMalformed }

func malformed(field, reason string) error { return &HeaderError{Field: field, Reason: reason} }

// CheckRequest checks a request's header block (RFC 9113 8.3.1, 8.2.2):
// only request pseudo fields, each at most once, before the regular ones;
// :method present; :scheme and :path present and :path not empty, except
// for CONNECT, which has :authority and neither :scheme nor :path (RFC 9113
// 8.5), and extended CONNECT (RFC 8441), which has :protocol, :scheme,
// :path and :authority; for http and https, :path starts with "/" or is "*"
// with OPTIONS. Among the regular fields: no connection-specific field
// (ConnectionSpecific), te only "trailers", content-length as ContentLength
// accepts it. It returns the content-length (-1 when there is none), so
// that the server need not parse it again.
func CheckRequest(h *Headers) (contentLength int64, err error) {
	contentLength = -1
	var method, scheme, path, protocol string
	var hasScheme, hasPath, hasAuthority, hasProtocol bool
	for i := range h.Fields {
		f := &h.Fields[i]
		if !isPseudo(f.Name) {
			if contentLength, err = checkRegular(h.Fields[i:], true); err != nil {
				return -1, err
			}
			break
		}
		seen := false
		switch f.Name {
		case ":method":
			seen, method = method != "", f.Value
			if f.Value == "" {
				return -1, malformed(":method", "empty")
			}
		case ":scheme":
			seen, hasScheme, scheme = hasScheme, true, f.Value
		case ":path":
			seen, hasPath, path = hasPath, true, f.Value
		case ":authority":
			seen, hasAuthority = hasAuthority, true
		case ":protocol":
			seen, hasProtocol, protocol = hasProtocol, true, f.Value
		case ":status":
			return -1, malformed(":status", "response pseudo header field in a request")
		default:
			return -1, malformed(f.Name, "unknown pseudo header field")
		}
		if seen {
			return -1, malformed(f.Name, "repeated pseudo header field")
		}
	}
	if method == "" {
		return -1, malformed(":method", "missing")
	}
	if method == "CONNECT" && !hasProtocol {
		if hasScheme || hasPath {
			return -1, malformed("", "CONNECT request with :scheme or :path")
		}
		if !hasAuthority {
			return -1, malformed(":authority", "missing in a CONNECT request")
		}
		return contentLength, nil
	}
	if hasProtocol {
		if method != "CONNECT" {
			return -1, malformed(":protocol", "in a request other than CONNECT")
		}
		if protocol == "" {
			return -1, malformed(":protocol", "empty")
		}
		if !hasAuthority {
			return -1, malformed(":authority", "missing in an extended CONNECT request")
		}
	}
	if !hasScheme {
		return -1, malformed(":scheme", "missing")
	}
	if scheme == "" {
		return -1, malformed(":scheme", "empty")
	}
	if !hasPath {
		return -1, malformed(":path", "missing")
	}
	if path == "" {
		return -1, malformed(":path", "empty")
	}
	if (scheme == "http" || scheme == "https") && path[0] != '/' && !(path == "*" && method == "OPTIONS") {
		return -1, malformed(":path", `neither starts with "/" nor is "*" with OPTIONS`)
	}
	return contentLength, nil
}

// CheckResponse checks a response's header block (RFC 9113 8.3.2, 8.2.2):
// exactly one pseudo field, :status, of three digits; among the regular
// fields no connection-specific field and content-length as ContentLength
// accepts it.
func CheckResponse(h *Headers) error {
	hasStatus := false
	for i := range h.Fields {
		f := &h.Fields[i]
		if !isPseudo(f.Name) {
			if _, err := checkRegular(h.Fields[i:], false); err != nil {
				return err
			}
			break
		}
		if f.Name != ":status" {
			if isRequestPseudo(f.Name) {
				return malformed(f.Name, "request pseudo header field in a response")
			}
			return malformed(f.Name, "unknown pseudo header field")
		}
		if hasStatus {
			return malformed(":status", "repeated pseudo header field")
		}
		hasStatus = true
		v := f.Value
		if len(v) != 3 || !isDigit(v[0]) || !isDigit(v[1]) || !isDigit(v[2]) {
			return malformed(":status", "not three digits")
		}
	}
	if !hasStatus {
		return malformed(":status", "missing")
	}
	return nil
}

// CheckTrailers checks a trailer block, a request's or a response's (RFC
// 9113 8.1, 8.2.2): no pseudo field at all, no connection-specific field.
func CheckTrailers(h *Headers) error {
	for i := range h.Fields {
		f := &h.Fields[i]
		if isPseudo(f.Name) {
			return malformed(f.Name, "pseudo header field in trailers")
		}
		if ConnectionSpecific(f.Name) {
			return malformed(f.Name, "connection-specific header field")
		}
	}
	return nil
}

// ContentLength returns the block's content-length: present is false when
// the block has none. Every content-length field must be a decimal number
// of at most 18 digits (no sign, no white space, no list) and all must be
// equal (RFC 9110 8.6).
func ContentLength(h *Headers) (n int64, present bool, err error) {
	return contentLength(h.Fields)
}

func contentLength(fields []hpack.HeaderField) (n int64, present bool, err error) {
	for i := range fields {
		f := &fields[i]
		if f.Name != "content-length" {
			continue
		}
		v, ok := parseLength(f.Value)
		if !ok {
			return 0, false, malformed("content-length", "not a non-negative decimal number")
		}
		if present && v != n {
			return 0, false, malformed("content-length", "repeated with different values")
		}
		n, present = v, true
	}
	return n, present, nil
}

// checkRegular checks the regular fields (those after the pseudo fields)
// and returns their content-length, -1 when there is none. A pseudo field
// among them is an error too, whatever produced the block.
func checkRegular(fields []hpack.HeaderField, request bool) (int64, error) {
	cl := false
	for i := range fields {
		f := &fields[i]
		switch {
		case isPseudo(f.Name):
			return -1, malformed(f.Name, "pseudo header field after a regular one")
		case ConnectionSpecific(f.Name):
			return -1, malformed(f.Name, "connection-specific header field")
		case f.Name == "te":
			if request && !strings.EqualFold(f.Value, "trailers") {
				return -1, malformed("te", `value other than "trailers"`)
			}
		case f.Name == "content-length":
			cl = true
		}
	}
	if !cl {
		return -1, nil
	}
	n, _, err := contentLength(fields)
	if err != nil {
		return -1, err
	}
	return n, nil
}

func isPseudo(name string) bool { return len(name) > 0 && name[0] == ':' }

func isRequestPseudo(name string) bool {
	switch name {
	case ":method", ":scheme", ":path", ":authority", ":protocol":
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseLength parses a content-length value: 1 to 18 decimal digits, so it
// cannot overflow an int64.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, true
}
