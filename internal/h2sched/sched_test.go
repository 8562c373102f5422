package h2sched_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2sched"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs h on an h2c server on loopback that uses the Scheduler, and
// returns its URL, a client for it, and how many schedulers were made.
func serve(t *testing.T, h http.HandlerFunc) (string, *http.Client, *atomic.Int32) {
	t.Helper()
	if !h2sched.Available() {
		t.Fatal("the linked x/net's FrameWriteRequest has no stream field")
	}
	var made atomic.Int32
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Handler: h, Protocols: &p, HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 1 << 16}}
	if err := http2.ConfigureServer(hs, &http2.Server{NewWriteScheduler: func() http2.WriteScheduler {
		made.Add(1)
		return h2sched.New()
	}}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	tr := &http.Transport{Protocols: &p, HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = hs.Close()
	})
	return "http://" + ln.Addr().String(), &http.Client{Transport: tr}, &made
}

// Many open idle streams, one stream stuck on flow control (its reader
// reads nothing) and a reset of that stuck stream: the other streams' frames
// still go out, in order, and the reset gets through.
func TestStuckStreamsDoNotBlockOthers(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1<<20)
	release := make(chan struct{})
	wrote := make(chan error, 1)
	url, c, made := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/idle": // answers headers, then waits
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/stuck": // more than the client's window, then a reset
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-release
			// The deadline resets the stream while its data waits for
			// flow control: the reset must go out ahead of that data.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			_, err := w.Write(big)
			wrote <- err
		case "/count":
			for i := range 200 {
				_, _ = w.Write([]byte{byte(i)})
				w.(http.Flusher).Flush()
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+path, nil)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var idle []*http.Response
	for range 300 {
		idle = append(idle, get("/idle"))
	}
	stuck := get("/stuck")
	for range 3 {
		res := get("/count")
		b, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil || len(b) != 200 {
			t.Fatalf("got %d bytes, %v", len(b), err)
		}
		for i, v := range b {
			if v != byte(i) {
				t.Fatalf("byte %d is %d", i, v)
			}
		}
	}
	close(release)
	if err := <-wrote; err == nil { // the client reads nothing meanwhile
		t.Fatal("1 MiB written past a 64 KiB window")
	}
	_, err := io.ReadAll(stuck.Body)
	var se http2.StreamError
	if err == nil || (!errors.As(err, &se) && !bytes.Contains([]byte(err.Error()), []byte("stream error"))) {
		t.Fatalf("stuck stream: got %v, want a stream reset", err)
	}
	_ = stuck.Body.Close()
	for _, res := range idle {
		_ = res.Body.Close()
	}
	if made.Load() != 1 {
		t.Fatalf("%d schedulers made; want 1 (one connection, served by x/net)", made.Load())
	}
}
