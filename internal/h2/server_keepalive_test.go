package h2_test

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// A connection silent for the keepalive interval gets a PING; answered,
// it lives and is pinged again after the next silence; unanswered, it is
// closed after the keepalive timeout.
func TestKeepalive(t *testing.T) {
	const every, timeout = 200 * time.Millisecond, 300 * time.Millisecond
	ts := serveWith(t, func(http.ResponseWriter, *http.Request) {}, h2.ServerConfig{Limits: h2.Limits{
		KeepaliveInterval: every, KeepaliveTimeout: timeout, IdleTimeout: time.Hour,
	}})
	rc := dialRaw(t, ts.addr)
	waitPing := func() (*http2.PingFrame, time.Duration) {
		t.Helper()
		start := time.Now()
		for {
			if p, ok := rc.read().(*http2.PingFrame); ok && !p.IsAck() {
				return p, time.Since(start)
			}
		}
	}
	p, after := waitPing()
	if after < every/2 {
		t.Fatalf("pinged after %v of silence, want about %v", after, every)
	}
	if err := rc.fr.WritePing(true, p.Data); err != nil {
		t.Fatal(err)
	}
	waitPing() // answered: the connection lives, silent again
	start := time.Now()
	for {
		f, err := rc.fr.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read %v, want the provider to close the connection", err)
			}
			break
		}
		if _, ok := f.(*http2.PingFrame); !ok {
			t.Fatalf("got %T while the ping went unanswered", f)
		}
	}
	if d := time.Since(start); d < timeout/2 || d > 4*timeout {
		t.Fatalf("closed %v after an unanswered ping, want about %v", d, timeout)
	}
}
