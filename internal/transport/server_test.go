package transport

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// testSettings: a 4 MiB receive limit, no send limit, no compression.
var testSettings = Settings{MaxRecvBytes: 4 << 20, MaxSendBytes: -1, CompressMinBytes: -1}

func request(t *testing.T, codec string, msgs ...string) (*ServerStream, *httptest.ResponseRecorder) {
	t.Helper()
	var body []byte
	for _, m := range msgs {
		body = AppendFrame(body, []byte(m), false)
	}
	r := httptest.NewRequest(http.MethodPost, "/svc/m", bytes.NewReader(body))
	r.ProtoMajor = 2
	r.Header.Set("Content-Type", wire.ContentType(codec))
	w := httptest.NewRecorder()
	ss, err := Accept(w, r, testSettings, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ss.Release)
	return ss, w
}

func readAll(ss *ServerStream) ([]string, error) {
	var got []string
	for {
		b, err := ss.Read()
		if err != nil {
			return got, err
		}
		got = append(got, string(b))
	}
}

// dubbo-python ends its writes with a zero-length message; only that one,
// right before the end and only from a +data peer, is hidden.
func TestDropEmptyBeforeEOF(t *testing.T) {
	for _, c := range []struct {
		codec   string
		in      []string
		want    []string
		dropped bool
	}{
		{"data", []string{"a", "b", ""}, []string{"a", "b"}, true},
		{"data", []string{"a", "", "b", ""}, []string{"a", "", "b"}, true},
		{"data", []string{"", ""}, []string{""}, true},
		{"data", []string{""}, nil, true},
		{"data", []string{"a"}, []string{"a"}, false},
		{"proto", []string{"a", ""}, []string{"a", ""}, false},
		{"", []string{""}, []string{""}, false},
	} {
		ss, _ := request(t, c.codec, c.in...)
		got, err := readAll(ss)
		if !errors.Is(err, io.EOF) || !slices.Equal(got, c.want) || ss.DroppedEmpty() != c.dropped {
			t.Errorf("%s %q: got %q, %v, dropped=%v; want %q, dropped=%v", c.codec, c.in, got, err, ss.DroppedEmpty(), c.want, c.dropped)
		}
	}
}

func TestTrailersOnlyAndTrailers(t *testing.T) {
	ss, w := request(t, "proto")
	ss.Finish(status.New(status.NotFound, "nope"))
	if w.Header().Get("Grpc-Status") != "5" || w.Header().Get("Grpc-Message") != "nope" {
		t.Fatalf("trailers-only headers: %v", w.Header())
	}
	if err := ss.Write([]byte("late")); status.CodeOf(err) != status.FailedPrecondition {
		t.Fatalf("send after finish: %v", err)
	}

	ss, w = request(t, "data")
	if err := ss.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	ss.Finish(nil)
	if w.Header().Get("Content-Type") != "application/grpc+data" {
		t.Fatalf("reply content-type %q", w.Header().Get("Content-Type"))
	}
	if w.Header().Get(http.TrailerPrefix+"Grpc-Status") != "0" {
		t.Fatalf("trailer: %v", w.Header())
	}
	if !bytes.Equal(w.Body.Bytes(), AppendFrame(nil, []byte("x"), false)) {
		t.Fatalf("body %q", w.Body.Bytes())
	}
}

func TestAbortWakesReceive(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	r := httptest.NewRequest(http.MethodPost, "/svc/m", pr)
	r.ProtoMajor = 2
	r.Header.Set("Content-Type", "application/grpc")
	ss, err := Accept(httptest.NewRecorder(), r, testSettings, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ss.Read(); done <- err }()
	ss.Abort(status.New(status.DeadlineExceeded, "idle"))
	if err := <-done; status.CodeOf(err) != status.DeadlineExceeded {
		t.Fatalf("got %v", err)
	}
}

func TestAcceptRejects(t *testing.T) {
	for name, r := range map[string]*http.Request{
		"GET":      httptest.NewRequest(http.MethodGet, "/a/b", nil),
		"json":     withType(httptest.NewRequest(http.MethodPost, "/a/b", nil), "application/json", 2),
		"HTTP/1.1": withType(httptest.NewRequest(http.MethodPost, "/a/b", nil), "application/grpc", 1),
		"bad timeout": func() *http.Request {
			r := withType(httptest.NewRequest(http.MethodPost, "/a/b", nil), "application/grpc", 2)
			r.Header.Set("Grpc-Timeout", "soon")
			return r
		}(),
	} {
		w := httptest.NewRecorder()
		if _, err := Accept(w, r, testSettings, func(string) bool { return true }); err == nil {
			t.Errorf("%s accepted", name)
		}
		if w.Code == http.StatusOK && w.Header().Get("Grpc-Status") == "" {
			t.Errorf("%s: no error answered (%d)", name, w.Code)
		}
	}
}

func withType(r *http.Request, ct string, major int) *http.Request {
	r.Header.Set("Content-Type", ct)
	r.ProtoMajor = major
	return r
}
