package wire

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

func TestTimeoutRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{1, 999, time.Microsecond, 1500 * time.Millisecond, time.Hour, 1000 * time.Hour} {
		enc := EncodeTimeout(d)
		if len(enc) > 9 {
			t.Fatalf("%v encodes to %q: over 8 digits", d, enc)
		}
		got, err := DecodeTimeout(enc)
		if err != nil {
			t.Fatalf("%v -> %q: %v", d, enc, err)
		}
		if got < d || got > d+d/1000+time.Microsecond { // rounded up, never shortened
			t.Fatalf("%v -> %q -> %v", d, enc, got)
		}
	}
	for _, bad := range []string{"", "1", "S", "1x", "-1S", "123456789S"} {
		if _, err := DecodeTimeout(bad); err == nil {
			t.Errorf("DecodeTimeout(%q) accepted", bad)
		}
	}
}

func TestParseContentType(t *testing.T) {
	for _, c := range []struct {
		in    string
		codec string
		ok    bool
	}{
		{"application/grpc", "", true},
		{"application/grpc+proto", "proto", true},
		{"Application/GRPC+data; charset=utf-8", "data", true},
		{"application/grpc+json", "json", true},
		{"application/grpcx", "", false},
		{"application/json", "", false},
		{"", "", false},
	} {
		codec, ok := ParseContentType(c.in)
		if codec != c.codec || ok != c.ok {
			t.Errorf("ParseContentType(%q) = %q, %v; want %q, %v", c.in, codec, ok, c.codec, c.ok)
		}
	}
}

func TestStatusRoundTrip(t *testing.T) {
	for _, e := range []*status.Error{
		nil,
		status.New(status.NotFound, "plain"),
		status.New(status.Internal, "100% déjà vu\nnext line"),
		status.New(status.Unknown, ""),
	} {
		h := http.Header{}
		SetStatus(h, e)
		got, ok := StatusFrom(h)
		if !ok {
			t.Fatal("no status")
		}
		if e == nil {
			if got != nil {
				t.Fatalf("OK became %v", got)
			}
			continue
		}
		if se, _ := status.As(got); se == nil || se.Code() != e.Code() || se.Message() != e.Message() {
			t.Fatalf("%v became %v", e, got)
		}
	}
	if _, ok := StatusFrom(http.Header{}); ok {
		t.Fatal("status found in empty header")
	}
	if got, _ := StatusFrom(http.Header{"Grpc-Status": {"x"}}); status.CodeOf(got) != status.Internal {
		t.Fatalf("malformed grpc-status: %v", got)
	}
}

func TestCodeFromHTTP(t *testing.T) {
	if CodeFromHTTP(404) != status.Unimplemented || CodeFromHTTP(503) != status.Unavailable || CodeFromHTTP(415) != status.Unknown {
		t.Fatal("HTTP status mapping")
	}
}

// Canon keeps every value of a repeated name, in order, under the
// canonical key, and appending to one value does not touch the others
// (they share one array).
func TestCanonHeader(t *testing.T) {
	var c Canon
	for range 2 { // the second time from the name cache
		h := c.Header([]hpack.HeaderField{
			{Name: "content-type", Value: "application/grpc"},
			{Name: "x-multi", Value: "a"},
			{Name: "tri-service-group", Value: "g"},
			{Name: "x-multi", Value: "b"},
		})
		if got := h.Values("X-Multi"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Fatalf("X-Multi %q", got)
		}
		if h.Get("Content-Type") != "application/grpc" || h.Get(HeaderGroup) != "g" || len(h) != 3 {
			t.Fatalf("header %v", h)
		}
		h["Content-Type"] = append(h["Content-Type"], "more")
		if h.Get(HeaderGroup) != "g" {
			t.Fatalf("appending to one value changed another: %v", h)
		}
	}
}

// The values every call repeats are one []string for the process,
// boxed once; others are each request's own.
func TestCanonSharesRepeatedValues(t *testing.T) {
	var c1, c2 Canon // two connections
	fields := func() []hpack.HeaderField {
		return []hpack.HeaderField{
			{Name: "content-type", Value: strings.Clone("application/grpc+test")},
			{Name: "x-id", Value: strings.Clone("42")},
		}
	}
	a, b := c1.Header(fields()), c2.Header(fields())
	if &a["Content-Type"][0] != &b["Content-Type"][0] {
		t.Fatal("the content type of the second call is a copy of its own")
	}
	if &a["X-Id"][0] == &b["X-Id"][0] {
		t.Fatal("x-id, not a transport header, is shared")
	}
	if b.Get("Content-Type") != "application/grpc+test" || b.Get("X-Id") != "42" {
		t.Fatalf("header %v", b)
	}
	if x, y := Boxed("content-type", a["Content-Type"]), Boxed("content-type", b["Content-Type"]); !reflect.DeepEqual(x, []string{"application/grpc+test"}) ||
		unsafe.SliceData(x.([]string)) != unsafe.SliceData(y.([]string)) {
		t.Fatalf("boxed content types %v, %v: want one shared value", x, y)
	}
	if x := Boxed("x-id", a["X-Id"]); !reflect.DeepEqual(x, []string{"42"}) || &x.([]string)[0] != &a["X-Id"][0] {
		t.Fatalf("boxed x-id %v: want the request's own", x)
	}
	// An equal value that is not the shared slice is boxed as it is.
	own := []string{"application/grpc+test"}
	if x := Boxed("content-type", own); &x.([]string)[0] != &own[0] {
		t.Fatal("Boxed swapped a request's own slice for the shared one")
	}
	b["Content-Type"] = append(b["Content-Type"], "more")
	if len(a["Content-Type"]) != 1 || a.Get("Content-Type") != "application/grpc+test" {
		t.Fatalf("appending to one request's value changed another's: %v", a)
	}
	for i := range 2 * maxShared {
		c1.Header([]hpack.HeaderField{{Name: "user-agent", Value: fmt.Sprint("agent/", i)}})
	}
	if n := len(*shared.Load()); n > maxShared {
		t.Fatalf("kept %d values, want at most %d", n, maxShared)
	}
	if h := c1.Header([]hpack.HeaderField{{Name: "user-agent", Value: "past the limit"}}); h.Get("User-Agent") != "past the limit" {
		t.Fatalf("past the limit: %v", h)
	}
}

func TestLower(t *testing.T) {
	for in, want := range map[string]string{HeaderContentType: "content-type", "X-Custom-Key": "x-custom-key", "already": "already", "x-Ä": "x-ä"} {
		if got := Lower(in); got != want {
			t.Errorf("Lower(%q) = %q", in, got)
		}
	}
	if ContentTypeValue("proto")[0] != "application/grpc+proto" || ContentTypeValue("odd")[0] != "application/grpc+odd" {
		t.Fatal("ContentTypeValue")
	}
}

func TestGet(t *testing.T) {
	h := http.Header{}
	h.Set("grpc-timeout", "1S") // stored under the canonical key, as servers do
	h["Grpc-Message"] = []string{}
	if Get(h, HeaderTimeout) != "1S" || Get(h, HeaderMessage) != "" || Get(h, HeaderStatus) != "" || Get(nil, HeaderStatus) != "" {
		t.Fatalf("Get on %v", h)
	}
}

// A response is a gRPC answer when it has a gRPC content type and a
// grpc-status, whatever its :status; anything else is an HTTP failure.
func TestGRPCAnswer(t *testing.T) {
	for _, tc := range []struct {
		ct, status string
		want       bool
	}{
		{"application/grpc", "3", true},
		{"application/grpc+proto", "0", true},
		{"application/grpc", "", false},
		{"text/plain", "3", false},
		{"", "3", false},
	} {
		h := http.Header{}
		if tc.ct != "" {
			h.Set("Content-Type", tc.ct)
		}
		if tc.status != "" {
			h.Set("Grpc-Status", tc.status)
		}
		if got := GRPCAnswer(h); got != tc.want {
			t.Errorf("content-type %q, grpc-status %q: GRPCAnswer %v, want %v", tc.ct, tc.status, got, tc.want)
		}
	}
}

// grpc-message values sent without percent-encoding are kept readable:
// raw UTF-8 as is, raw ISO-8859-1 (Dubbo Java's) converted to UTF-8.
func TestDecodeRawMessage(t *testing.T) {
	for in, want := range map[string]string{
		"mauvais prénom":      "mauvais prénom",
		"mauvais pr\xe9nom":   "mauvais prénom",
		"100% sûr":            "100% sûr",
		"100% sure":           "100% sure",
		"mauvais pr%C3%A9nom": "mauvais prénom",
		"tab\there":           "tab\there",
	} {
		if got := decodeMessage(in); got != want {
			t.Errorf("decodeMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
