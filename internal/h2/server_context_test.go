package h2_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// timeoutHeader is the request header the test servers take a deadline
// from.
var timeoutHeader = h2.ServerConfig{Timeout: func(h http.Header) (time.Duration, bool) {
	d, err := time.ParseDuration(h.Get("X-Timeout"))
	return d, err == nil
}}

// get runs a GET with the given X-Timeout and returns the reply's body.
func get(t *testing.T, ts *testServer, timeout string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+ts.addr+"/", nil)
	req.Header.Set("X-Timeout", timeout)
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A handler that never waits on its context still sees it end: Err is
// nil before the deadline and DeadlineExceeded after it, Done is then
// already closed, and a context that ended that way says so after the
// handler returns.
func TestContextDeadlineWithoutDone(t *testing.T) {
	after := make(chan context.Context, 1)
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		dl, ok := ctx.Deadline()
		before := ctx.Err()
		time.Sleep(time.Until(dl)) // the deadline passing is the point
		expired := ctx.Err()
		closed := false
		select {
		case <-ctx.Done():
			closed = true
		default:
		}
		fmt.Fprintf(w, "%v %v %v %v", ok, before, expired, closed)
		after <- ctx
	}, timeoutHeader)
	if got, want := get(t, ts, "50ms"), "true <nil> context deadline exceeded true"; got != want {
		t.Fatalf("handler saw %q, want %q", got, want)
	}
	ctx := <-after
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("after the handler: %v, want DeadlineExceeded", ctx.Err())
	}
}

// A handler waiting on Done, and on a context derived from it, wakes at
// the deadline.
func TestContextDoneAtDeadline(t *testing.T) {
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		child, cancel := context.WithCancel(r.Context())
		defer cancel()
		select {
		case <-child.Done():
		case <-time.After(10 * time.Second):
		}
		fmt.Fprintf(w, "%v %v", r.Context().Err(), child.Err())
	}, timeoutHeader)
	if got, want := get(t, ts, "50ms"), "context deadline exceeded context deadline exceeded"; got != want {
		t.Fatalf("handler saw %q, want %q", got, want)
	}
}

// Without a deadline the context has none, carries the connection's
// values, and is cancelled once the handler returns, whether or not
// anything waited on it before.
func TestContextCanceledAfterHandler(t *testing.T) {
	for _, waited := range []bool{false, true} {
		after := make(chan context.Context, 1)
		ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			_, ok := ctx.Deadline()
			addr := ctx.Value(http.LocalAddrContextKey) != nil
			if waited {
				_ = ctx.Done()
				addr = addr && ctx.Value(http.LocalAddrContextKey) != nil
			}
			fmt.Fprintf(w, "%v %v %v", ok, addr, ctx.Err())
			after <- ctx
		}, timeoutHeader)
		if got, want := get(t, ts, ""), "false true <nil>"; got != want {
			t.Fatalf("waited %v: handler saw %q, want %q", waited, got, want)
		}
		ctx := <-after
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("waited %v: the context is not done 10 s after the handler returned", waited)
		}
		if ctx.Err() != context.Canceled {
			t.Fatalf("waited %v: after the handler: %v, want Canceled", waited, ctx.Err())
		}
	}
}

// Contexts derived from a request's register with it: no goroutine each.
func TestContextDerivedWithoutGoroutines(t *testing.T) {
	const n = 100
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		before := runtime.NumGoroutine()
		var cancels []context.CancelFunc
		for range n {
			_, cancel := context.WithCancel(r.Context())
			cancels = append(cancels, cancel)
		}
		grew := runtime.NumGoroutine() - before
		for _, c := range cancels {
			c()
		}
		fmt.Fprint(w, grew < n/2)
	}, timeoutHeader)
	for _, timeout := range []string{"", "1m"} {
		if got := get(t, ts, timeout); !strings.HasPrefix(got, "true") {
			t.Fatalf("X-Timeout %q: %d derived contexts started a goroutine each", timeout, n)
		}
	}
}
