package h2

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// fields builds a block from "name: value" pairs; a name may start with ':'.
func fields(kv ...string) *Headers {
	h := &Headers{}
	for _, s := range kv {
		i := strings.Index(s[1:], ":") + 1 // a pseudo name starts with ':'
		h.Fields = append(h.Fields, hpack.HeaderField{Name: s[:i], Value: strings.TrimPrefix(s[i+1:], " ")})
	}
	return h
}

var request = []string{":method: POST", ":scheme: http", ":path: /svc/Method", ":authority: 127.0.0.1:20000"}

func req(extra ...string) *Headers {
	return fields(append(append([]string{}, request...), extra...)...)
}

// checkErr fails unless err is nil when want is "", or a malformed-block
// error whose message contains want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want an error with %q, got none", want)
	}
	var he *HeaderError
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &he) {
		t.Fatalf("%v is not a *HeaderError wrapping ErrMalformed", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestCheckRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *Headers
		want string // "" for valid, else a part of the message
	}{
		{"grpc request", req("content-type: application/grpc+proto", "te: trailers", "grpc-timeout: 1S"), ""},
		{"h2spec request", fields(":method: GET", ":scheme: http", ":path: /", ":authority: 127.0.0.1:1"), ""},
		{"te case-insensitive", req("te: Trailers"), ""},
		{"no authority", fields(":method: GET", ":scheme: https", ":path: /x"), ""},
		{"options star", fields(":method: OPTIONS", ":scheme: http", ":path: *"), ""},
		{"other scheme, relative path", fields(":method: GET", ":scheme: foo", ":path: bar"), ""},
		{"content-length", req("content-length: 12"), ""},
		{"content-length repeated, equal", req("content-length: 12", "content-length: 12"), ""},
		{"CONNECT", fields(":method: CONNECT", ":authority: example.com:443"), ""},
		{"extended CONNECT", fields(":method: CONNECT", ":protocol: websocket", ":scheme: https", ":path: /chat", ":authority: a"), ""},

		{"connection", req("connection: keep-alive"), "field connection: connection-specific"},
		{"keep-alive", req("keep-alive: 5"), "field keep-alive: connection-specific"},
		{"proxy-connection", req("proxy-connection: x"), "field proxy-connection"},
		{"transfer-encoding", req("transfer-encoding: chunked"), "field transfer-encoding"},
		{"upgrade", req("upgrade: h2c"), "field upgrade"},
		{"te other", req("trailers: test", "te: trailers, deflate"), `field te: value other than "trailers"`},
		{"te gzip", req("te: gzip"), "field te"},
		{"no method", fields(":scheme: http", ":path: /"), "field :method: missing"},
		{"empty method", fields(":method: ", ":scheme: http", ":path: /"), "field :method: empty"},
		{"no scheme", fields(":method: GET", ":path: /"), "field :scheme: missing"},
		{"empty scheme", fields(":method: GET", ":scheme: ", ":path: /"), "field :scheme: empty"},
		{"no path", fields(":method: GET", ":scheme: http"), "field :path: missing"},
		{"empty path", fields(":method: GET", ":scheme: http", ":path: "), "field :path: empty"},
		{"relative http path", fields(":method: GET", ":scheme: http", ":path: x"), "field :path: neither"},
		{"star without OPTIONS", fields(":method: GET", ":scheme: http", ":path: *"), "field :path"},
		{"status in request", req(":status: 200"), "field :status"},
		{"status first", fields(":status: 200", ":method: GET", ":scheme: http", ":path: /"), "field :status: response pseudo"},
		{"unknown pseudo", fields(":method: GET", ":foo: x", ":scheme: http", ":path: /"), "field :foo: unknown"},
		{"repeated method", fields(":method: GET", ":method: GET", ":scheme: http", ":path: /"), "field :method: repeated"},
		{"repeated path", fields(":method: GET", ":scheme: http", ":path: /", ":path: /"), "field :path: repeated"},
		{"pseudo after regular", fields(":method: GET", ":scheme: http", "x: y", ":path: /"), "field :path: pseudo header field after"},
		{"CONNECT with path", fields(":method: CONNECT", ":authority: a", ":path: /"), "CONNECT request with :scheme or :path"},
		{"CONNECT without authority", fields(":method: CONNECT"), "field :authority: missing"},
		{"protocol without CONNECT", req(":protocol: websocket"), "field :protocol"},
		{"extended CONNECT without authority", fields(":method: CONNECT", ":protocol: websocket", ":scheme: https", ":path: /"), "field :authority"},
		{"content-length negative", req("content-length: -1"), "field content-length: not a non-negative"},
		{"content-length empty", req("content-length: "), "field content-length"},
		{"content-length list", req("content-length: 1, 1"), "field content-length"},
		{"content-length plus", req("content-length: +1"), "field content-length"},
		{"content-length huge", req("content-length: 9999999999999999999"), "field content-length"},
		{"content-length differing", req("content-length: 1", "content-length: 2"), "field content-length: repeated with different"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, requestErr(CheckRequest(tc.h)), tc.want) })
	}
}

func TestCheckRequestHidesValues(t *testing.T) {
	// A regular field's value never shows in the message.
	err := requestErr(CheckRequest(req("authorization: Bearer s3cret", "te: s3cret", "content-length: s3cret")))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v", err)
	}
	err = requestErr(CheckRequest(req("content-length: s3cret")))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *Headers
		want string
	}{
		{"ok", fields(":status: 200", "content-type: application/grpc"), ""},
		{"ok only status", fields(":status: 404"), ""},
		{"content-length", fields(":status: 200", "content-length: 0"), ""},
		{"te allowed", fields(":status: 200", "te: whatever"), ""},
		{"missing", fields("content-type: x"), "field :status: missing"},
		{"empty block", fields(), "field :status: missing"},
		{"two digits", fields(":status: 20"), "field :status: not three digits"},
		{"letters", fields(":status: 2x0"), "field :status: not three digits"},
		{"four digits", fields(":status: 2000"), "field :status"},
		{"repeated", fields(":status: 200", ":status: 200"), "field :status: repeated"},
		{"request pseudo", fields(":status: 200", ":path: /"), "field :path: request pseudo"},
		{"unknown pseudo", fields(":status: 200", ":x: 1"), "field :x: unknown"},
		{"connection", fields(":status: 200", "connection: close"), "field connection: connection-specific"},
		{"transfer-encoding", fields(":status: 200", "transfer-encoding: chunked"), "field transfer-encoding"},
		{"pseudo after regular", fields("a: b", ":status: 200"), "field :status: pseudo header field after"},
		{"bad content-length", fields(":status: 200", "content-length: x"), "field content-length"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, CheckResponse(tc.h), tc.want) })
	}
}

func TestCheckTrailers(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *Headers
		want string
	}{
		{"grpc trailers", fields("grpc-status: 0", "grpc-message: "), ""},
		{"empty", fields(), ""},
		{"status", fields(":status: 200"), "field :status: pseudo header field in trailers"},
		{"path", fields("grpc-status: 0", ":path: /"), "field :path: pseudo header field in trailers"},
		{"connection", fields("grpc-status: 0", "connection: close"), "field connection: connection-specific"},
		{"upgrade", fields("upgrade: x"), "field upgrade"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, CheckTrailers(tc.h), tc.want) })
	}
}

func TestContentLength(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       *Headers
		n       int64
		present bool
		want    string
	}{
		{"absent", req(), 0, false, ""},
		{"zero", req("content-length: 0"), 0, true, ""},
		{"value", req("content-length: 1234"), 1234, true, ""},
		{"leading zeros", req("content-length: 007"), 7, true, ""},
		{"max digits", req("content-length: 999999999999999999"), 999999999999999999, true, ""},
		{"repeated", req("content-length: 5", "x: y", "content-length: 5"), 5, true, ""},
		{"differing", req("content-length: 5", "content-length: 6"), 0, false, "repeated with different values"},
		{"space", req("content-length:  5"), 0, false, "not a non-negative"},
		{"hex", req("content-length: 0x10"), 0, false, "not a non-negative"},
		{"19 digits", req("content-length: 1000000000000000000"), 0, false, "not a non-negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, present, err := ContentLength(tc.h)
			checkErr(t, err, tc.want)
			if n != tc.n || present != tc.present {
				t.Fatalf("got (%d, %v), want (%d, %v)", n, present, tc.n, tc.present)
			}
		})
	}
}

// The valid path runs per request and per response: no allocation.
func TestValidateAllocs(t *testing.T) {
	rq := req("content-type: application/grpc+proto", "te: trailers", "content-length: 42", "user-agent: x")
	rs := fields(":status: 200", "content-type: application/grpc", "content-length: 42")
	tr := fields("grpc-status: 0", "grpc-message: ")
	for name, fn := range map[string]func() error{
		"CheckRequest":  func() error { return requestErr(CheckRequest(rq)) },
		"CheckResponse": func() error { return CheckResponse(rs) },
		"CheckTrailers": func() error { return CheckTrailers(tr) },
		"ContentLength": func() error { _, _, err := ContentLength(rq); return err },
	} {
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = fn() }); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}

func BenchmarkCheckRequest(b *testing.B) {
	rq := req("content-type: application/grpc+proto", "te: trailers", "grpc-timeout: 1S", "user-agent: grpc-go")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := CheckRequest(rq); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCheckRequest feeds blocks of "name\x00value\n" lines. CheckRequest must
// not panic, and a block it accepts must obey the rules it claims.
func FuzzCheckRequest(f *testing.F) {
	f.Add(":method\x00GET\n:scheme\x00http\n:path\x00/\n:authority\x00a\n")
	f.Add(":method\x00POST\n:scheme\x00http\n:path\x00/s/M\nte\x00trailers\ncontent-length\x003\n")
	f.Add(":method\x00CONNECT\n:authority\x00a:1\n")
	f.Add(":method\x00GET\n:scheme\x00http\n:path\x00/\nconnection\x00keep-alive\n")
	f.Fuzz(func(t *testing.T, in string) {
		h := &Headers{}
		for _, line := range strings.Split(in, "\n") {
			name, value, _ := strings.Cut(line, "\x00")
			h.Fields = append(h.Fields, hpack.HeaderField{Name: name, Value: value})
		}
		_, err := CheckRequest(h)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var method string
		var pseudoDone bool
		for _, f := range h.Fields {
			if isPseudo(f.Name) {
				if pseudoDone {
					t.Fatalf("accepted %q after a regular field", f.Name)
				}
				if !isRequestPseudo(f.Name) {
					t.Fatalf("accepted pseudo field %q", f.Name)
				}
				if f.Name == ":method" {
					method = f.Value
				}
				continue
			}
			pseudoDone = true
			if ConnectionSpecific(f.Name) {
				t.Fatalf("accepted connection-specific %q", f.Name)
			}
			if f.Name == "te" && !strings.EqualFold(f.Value, "trailers") {
				t.Fatalf("accepted te %q", f.Value)
			}
		}
		if method == "" {
			t.Fatal("accepted a request without :method")
		}
		if n, _, err := ContentLength(h); err != nil || n < 0 {
			t.Fatalf("accepted a block whose content-length gives (%d, %v)", n, err)
		}
	})
}

// requestErr is CheckRequest's error alone.
func requestErr(_ int64, err error) error { return err }
