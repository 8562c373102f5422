package wire

import (
	"net/http"
	"strings"
	"testing"
)

// Every name either side reserved before they shared this list (the
// consumer's in dubboext, the provider's in transport) is reserved, in any
// case, as are names HTTP/2 cannot carry.
func TestReservedHeader(t *testing.T) {
	consumer := []string{"content-type", "te", "host", "connection", "keep-alive", "transfer-encoding",
		"upgrade", "user-agent", "timeout", "retries", "interface", "grpc-status", ":path", "", "a b", "a\tb", "a:b", "a\r\nb"}
	provider := []string{"content-type", "te", "host", "connection", "keep-alive", "transfer-encoding",
		"upgrade", "user-agent", "trailer", "grpc-message", ":status", ""}
	added := []string{"content-length", "proxy-connection", "a(b", "é"}
	for _, list := range [][]string{consumer, provider, added} {
		for _, k := range list {
			for _, name := range []string{k, strings.ToUpper(k), http.CanonicalHeaderKey(k)} {
				if !ReservedHeader(name) {
					t.Errorf("ReservedHeader(%q) = false", name)
				}
				if err := CheckUserName(name); err == nil || !strings.Contains(err.Error(), "header") {
					t.Errorf("CheckUserName(%q) = %v", name, err)
				}
			}
		}
	}
	for _, k := range []string{"x-token", "X-Token", "x-raw-bin", "tri-unit-info", "authorization", "grpcx"} {
		if ReservedHeader(k) {
			t.Errorf("ReservedHeader(%q) = true", k)
		}
	}
}
