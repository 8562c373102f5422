package h2_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// grpcHeader is a request header given as a shared field list.
var grpcHeader = h2.Header{Fields: []hpack.HeaderField{{Name: "content-type", Value: "application/grpc"}}}

// server runs h on an x/net h2c server on loopback with the given
// settings and returns its address.
func server(t *testing.T, h http.HandlerFunc, conf *http.HTTP2Config, connState ...func(net.Conn, http.ConnState)) (string, *http.Server) {
	t.Helper()
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Handler: h, Protocols: &p, HTTP2: conf}
	if len(connState) > 0 {
		hs.ConnState = connState[0]
	}
	if err := http2.ConfigureServer(hs, &http2.Server{}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String(), hs
}

// open opens a stream; its response (or the error that came instead)
// arrives on the returned channel.
func open(ctx context.Context, tr *h2.Client, path string, fixed []byte) (*h2.ClientStream, <-chan answer, error) {
	got := make(chan answer, 1)
	st, err := tr.Open(ctx, path, h2.Header{Extra: http.Header{"Content-Type": {"application/grpc"}}}, fixed, func(r *http.Response, err error) {
		got <- answer{r, err}
	})
	return st, got, err
}

type answer struct {
	resp *http.Response
	err  error
}

// transport returns a transport to addr and a context for its calls,
// both ended when the test ends.
func transport(t *testing.T, addr string) (*h2.Client, context.Context) {
	tr := h2.NewClient(addr, nil, h2.Limits{})
	t.Cleanup(tr.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return tr, ctx
}

// answered opens a stream with a one-byte body and returns its response,
// failing the test if it could not be had.
func answered(ctx context.Context, t *testing.T, tr *h2.Client, path string) *http.Response {
	t.Helper()
	_, got, err := open(ctx, tr, path, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil {
		t.Fatalf("%s: %v", path, a.err)
	}
	return a.resp
}

func sum(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// Bodies bigger than every window go both ways intact, with many streams
// at once on a provider that allows only two at a time.
func TestFlowControlAndStreamSlots(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Header().Set("X-Sum", sum(b))
		w.WriteHeader(200)
		_, _ = w.Write(bytes.Repeat(b, 20))
	}, &http.HTTP2Config{MaxConcurrentStreams: 2, MaxReceiveBufferPerStream: 64 << 10, MaxReceiveBufferPerConnection: 128 << 10})
	tr, ctx := transport(t, addr)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			errs <- func() error {
				body := bytes.Repeat([]byte{byte(i), byte(i >> 8), 7}, 100<<10+i)
				st, got, err := open(ctx, tr, "/echo", nil)
				if err != nil {
					return err
				}
				if _, err := st.Write(body); err != nil {
					return fmt.Errorf("write: %w", err)
				}
				if err := st.Close(); err != nil {
					return fmt.Errorf("close: %w", err)
				}
				a := <-got
				if a.err != nil {
					return a.err
				}
				defer a.resp.Body.Close()
				if a.resp.Header.Get("X-Sum") != sum(body) {
					return errors.New("the provider received another body")
				}
				back, err := io.ReadAll(a.resp.Body)
				if err != nil {
					return fmt.Errorf("read: %w", err)
				}
				if !bytes.Equal(back, bytes.Repeat(body, 20)) {
					return fmt.Errorf("got %d bytes back, want %d", len(back), 20*len(body))
				}
				return nil
			}()
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// A Write held back by flow control (the provider reads nothing) returns
// when the context is cancelled, and the provider sees the stream reset.
func TestCancelUnblocksWrite(t *testing.T) {
	reset := make(chan error, 1)
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		reset <- r.Context().Err()
	}, &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10})
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	st, got, err := open(ctx, tr, "/stuck", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err != nil {
		t.Fatal(a.err)
	}
	why := errors.New("caller gave up")
	time.AfterFunc(50*time.Millisecond, func() { cancel(why) })
	_, err = st.Write(make([]byte, 1<<20))
	if !errors.Is(err, why) {
		t.Fatalf("Write: got %v, want the cancel cause", err)
	}
	select {
	case <-reset:
	case <-time.After(10 * time.Second):
		t.Fatal("the provider never saw the reset")
	}
}

// A provider whose connection dies fails its open streams with
// ErrConnClosed, and the next stream gets a new connection.
func TestDeadConnection(t *testing.T) {
	var mu sync.Mutex
	var conns []net.Conn
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		if r.URL.Path == "/hang" {
			<-r.Context().Done()
		}
	}, nil, func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx := context.Background()
	_, got, err := open(ctx, tr, "/hang", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	mu.Lock()
	for _, c := range conns {
		_ = c.Close()
	}
	mu.Unlock()
	if _, err := io.ReadAll(a.resp.Body); !errors.Is(err, h2.ErrConnClosed) {
		t.Fatalf("read on a dead connection: %v", err)
	}
	if resp := answered(ctx, t, tr, "/ok"); resp.StatusCode != 200 {
		t.Fatalf("after reconnecting: HTTP %d", resp.StatusCode)
	}
}

// A stream reset by the provider reports the reset's code.
func TestProviderReset(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}, nil)
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	_, got, err := open(context.Background(), tr, "/reset", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	_, err = io.ReadAll(a.resp.Body)
	if code, ok := h2.ResetCode(err); !ok || code != http2.ErrCodeInternal {
		t.Fatalf("got %v; want a reset with INTERNAL_ERROR", err)
	}
}

// A provider that answers in full without reading the request (and so
// resets the stream after its END_STREAM): the reader still gets every
// byte and a clean end, however late it reads.
func TestWholeResponseSurvivesLateReset(t *testing.T) {
	done := make(chan struct{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB, within the windows
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			return
		}
		w.WriteHeader(200)
		_, _ = w.Write(big)
		w.(http.Flusher).Flush()
		close(done)
	}, nil)
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx := context.Background()
	st, got, err := open(ctx, tr, "/big", nil) // never half-closed by us
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	<-done
	// A later call on the same connection: once it is answered, every frame
	// the provider sent for /big before it has been handled.
	_, got2, err := open(ctx, tr, "/ping", []byte{})
	if err != nil {
		t.Fatal(err)
	}
	if a2 := <-got2; a2.err != nil {
		t.Fatal(a2.err)
	}
	back, err := io.ReadAll(a.resp.Body)
	if err != nil || !bytes.Equal(back, big) {
		t.Fatalf("got %d of %d bytes, %v", len(back), len(big), err)
	}
	_ = a.resp.Body.Close()
	_ = st
}

// A provider shutting down gracefully (GOAWAY) lets the stream in flight
// finish; new streams then go to a new connection, which fails clearly
// once the provider has stopped listening.
func TestGoAway(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	addr, hs := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		close(started)
		<-release
		_, _ = w.Write([]byte("last words"))
	}, nil)
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, got, err := open(ctx, tr, "/slow", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	<-started
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(ctx) }() // GOAWAY, then waits for the stream
	// Once a new stream fails to connect, the old connection has been told
	// to go away: the listener is closed before GOAWAY is sent.
	for {
		_, got2, err := open(ctx, tr, "/new", []byte("y"))
		if err == nil {
			a2 := <-got2
			if a2.err == nil {
				_ = a2.resp.Body.Close()
				continue // answered before the shutdown began: try again
			}
			err = a2.err
		}
		if errors.Is(err, h2.ErrConnClosed) {
			continue // sent just before the GOAWAY arrived, and not processed
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Fatalf("new stream during shutdown: %v; want a dial error", err)
		}
		break
	}
	close(release)
	back, err := io.ReadAll(a.resp.Body)
	if err != nil || string(back) != "last words" {
		t.Fatalf("stream in flight: got %q, %v", back, err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// A stream waiting for one of the provider's stream slots gives up when
// its context is cancelled; the slot's holder is not disturbed.
func TestCancelWhileWaitingForASlot(t *testing.T) {
	release := make(chan struct{})
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-release
	}, &http.HTTP2Config{MaxConcurrentStreams: 1})
	tr, ctx := transport(t, addr)
	first, got, err := open(ctx, tr, "/hold", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err != nil { // the provider runs it: the slot is taken
		t.Fatal(a.err)
	} else {
		defer a.resp.Body.Close()
	}
	wctx, wcancel := context.WithCancel(ctx)
	opened := make(chan error, 1)
	go func() {
		_, _, err := open(wctx, tr, "/wait", []byte("y"))
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("second stream opened past a limit of one: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	wcancel()
	select {
	case err := <-opened:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled stream still waits for a slot")
	}
	close(release)
	_ = first
}

// Response headers over the consumer's header list limit (1 MiB) fail the
// call with an error naming the limit, and the connection serves on.
func TestResponseHeadersOverLimit(t *testing.T) {
	big := strings.Repeat("v", 400<<10) // three of these go over 1 MiB
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Header().Set("X-A", big)
			w.Header().Set("X-B", big)
			w.Header().Set("X-C", big)
		}
		w.WriteHeader(200)
	}, nil)
	tr, ctx := transport(t, addr)

	_, got, err := open(ctx, tr, "/big", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.err == nil || !strings.Contains(a.err.Error(), "over the 1048576-byte limit") {
		t.Fatalf("got %v, want an error naming the header limit", a.err)
	}

	if resp := answered(ctx, t, tr, "/small"); resp.StatusCode != 200 {
		t.Fatalf("next call: HTTP %d", resp.StatusCode)
	}
}

// Trailers reach the response whole; the bare OK status that most calls
// end with is shared, and a response with more trailers gets its own map.
func TestTrailers(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("x"))
		w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
		if r.URL.Path == "/more" {
			w.Header().Set(http.TrailerPrefix+"X-Extra", "1")
		}
	}, nil)
	tr, ctx := transport(t, addr)
	call := func(path string) http.Header {
		t.Helper()
		resp := answered(ctx, t, tr, path)
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "x" {
			t.Fatalf("body %q, %v", b, err)
		}
		return resp.Trailer
	}
	ok1, more, ok2 := call("/ok"), call("/more"), call("/ok")
	if fmt.Sprint(ok1) != "map[Grpc-Status:[0]]" || fmt.Sprint(ok2) != fmt.Sprint(ok1) {
		t.Fatalf("OK trailers %v, %v", ok1, ok2)
	}
	if more.Get("Grpc-Status") != "0" || more.Get("X-Extra") != "1" {
		t.Fatalf("trailers %v", more)
	}
}

// An unwatched stream whose fixed body waits for flow control still gives
// up when its context ends (Open must not wait for a provider that does
// not read).
func TestUnwatchedLargeBodyGivesUp(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never reads the body
	}, &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10, MaxReceiveBufferPerConnection: 64 << 10})
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	got := make(chan answer, 1)
	opened := make(chan error, 1)
	go func() {
		_, err := tr.OpenUnwatched(ctx, "/hold", grpcHeader, make([]byte, 1<<20), func(r *http.Response, err error) {
			got <- answer{r, err}
		}, nil)
		opened <- err
	}()
	select {
	case <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("Open still waits for flow control 10 s after its context ended")
	}
	if a := <-got; a.err == nil || !errors.Is(a.err, context.DeadlineExceeded) {
		t.Fatalf("response: %v, want the context's deadline", a.err)
	}
}

// testWatch is a Watch whose Stop runs stop.
type testWatch struct {
	ctx   context.Context
	stop  func()
	stops atomic.Int32
}

func (w *testWatch) Context() context.Context { return w.ctx }
func (w *testWatch) Stop()                    { w.stops.Add(1); w.stop() }

// An unwatched stream's Watch ends the waits it is checked in: Open's
// wait for flow control for a large body, and a read of a response body
// that does not come. A Watch already done ends them at once.
func TestWatchEndsWaits(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/headers-only" {
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done() // never reads the body, never sends one
	}, &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10, MaxReceiveBufferPerConnection: 64 << 10})
	tr, base := transport(t, addr)

	// Open, waiting for flow control: Stop ends ctx, which resets the stream.
	ctx, cancel := context.WithCancel(base)
	done, end := context.WithCancel(base)
	end()
	w := &testWatch{ctx: done, stop: cancel}
	got := make(chan answer, 1)
	if _, err := tr.OpenUnwatched(ctx, "/hold", grpcHeader, make([]byte, 1<<20), func(r *http.Response, err error) {
		got <- answer{r, err}
	}, w); err != nil {
		t.Fatal(err)
	}
	if a := <-got; !errors.Is(a.err, context.Canceled) || w.stops.Load() == 0 {
		t.Fatalf("response %v after %d stops, want the cancel Stop caused", a.err, w.stops.Load())
	}

	// A read waiting for the body: Stop resets the stream with its error.
	errStopped := errors.New("stopped by the watch")
	done, end = context.WithCancel(base)
	defer end()
	w = &testWatch{ctx: done}
	st, err := tr.OpenUnwatched(base, "/headers-only", grpcHeader, []byte("x"), func(r *http.Response, err error) {
		got <- answer{r, err}
	}, w)
	if err != nil {
		t.Fatal(err)
	}
	w.stop = func() { _ = st.CloseWithError(errStopped) }
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	read := make(chan error, 1)
	go func() { _, err := a.resp.Body.Read(make([]byte, 8)); read <- err }()
	end()
	select {
	case err := <-read:
		if !errors.Is(err, errStopped) || w.stops.Load() != 1 {
			t.Fatalf("read: %v after %d stops, want the watch's error after one", err, w.stops.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read still waits 10 s after its watch was done")
	}
}

// Each response carries its own header fields, whether or not the
// previous response on the connection had the same.
func TestResponseHeaders(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
		w.WriteHeader(200)
	}, nil)
	tr, ctx := transport(t, addr)
	for _, path := range []string{"/a", "/a", "/b", "/a", "/b", "/b"} {
		resp := answered(ctx, t, tr, path)
		if v := resp.Header.Values("X-Path"); len(v) != 1 || v[0] != path {
			t.Fatalf("response to %s: X-Path %q", path, v)
		}
		_ = resp.Body.Close()
	}
}

// A request sends its field list, then its timeout, then its extra
// fields, all of them, and requests sharing the list do not change it.
func TestRequestHeader(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Got", fmt.Sprintf("%q %q %q %q", r.Header.Values("Content-Type"), r.Header.Values("Te"),
			r.Header.Values("Grpc-Timeout"), r.Header.Values("X-Extra")))
		w.WriteHeader(200)
	}, nil)
	tr, ctx := transport(t, addr)
	fields := []hpack.HeaderField{{Name: "content-type", Value: "application/grpc"}, {Name: "te", Value: "trailers"}}
	for _, c := range []struct {
		h    h2.Header
		want string
	}{
		{h2.Header{Fields: fields}, `["application/grpc"] ["trailers"] [] []`},
		{h2.Header{Fields: fields, Timeout: "3S"}, `["application/grpc"] ["trailers"] ["3S"] []`},
		{h2.Header{Fields: fields, Timeout: "1M", Extra: http.Header{"x-extra": {"a", "b"}}}, `["application/grpc"] ["trailers"] ["1M"] ["a" "b"]`},
		{h2.Header{Extra: http.Header{"content-type": {"application/grpc+json"}}}, `["application/grpc+json"] [] [] []`},
	} {
		got := make(chan answer, 1)
		if _, err := tr.Open(ctx, "/h", c.h, []byte("x"), func(r *http.Response, err error) { got <- answer{r, err} }); err != nil {
			t.Fatal(err)
		}
		a := <-got
		if a.err != nil {
			t.Fatal(a.err)
		}
		_ = a.resp.Body.Close()
		if v := a.resp.Header.Get("X-Got"); v != c.want {
			t.Errorf("sent %+v: the server got %s, want %s", c.h, v, c.want)
		}
	}
	if len(fields) != 2 || fields[0].Value != "application/grpc" || fields[1].Value != "trailers" {
		t.Fatalf("the shared list changed: %v", fields)
	}
}

// watchCountingContext counts the watches Open registers on it and the
// ones it stops. Its own Done channel keeps the context package from
// registering with the context it wraps directly.
type watchCountingContext struct {
	context.Context
	done                chan struct{}
	registered, stopped atomic.Int32
}

func (c *watchCountingContext) Done() <-chan struct{} { return c.done }

func (c *watchCountingContext) AfterFunc(f func()) func() bool {
	c.registered.Add(1)
	stop := context.AfterFunc(c.Context, f)
	return func() bool {
		c.stopped.Add(1)
		return stop()
	}
}

// A stream whose exchange is over leaves its context, however soon the
// response came (before Open registered its watch, or after), and
// closing its body then is a no-op: the connection serves on.
func TestFinishedStreamLeavesItsContext(t *testing.T) {
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok"))
	}, nil)
	tr, base := transport(t, addr)
	ctx := &watchCountingContext{Context: base, done: make(chan struct{})}
	context.AfterFunc(base, func() { close(ctx.done) })
	const n = 50
	for i := range n {
		resp := answered(ctx, t, tr, "/x")
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != "ok" {
			t.Fatalf("call %d: %q, %v", i, b, err)
		}
		_ = resp.Body.Close()
		_ = resp.Body.Close()
	}
	// One watch per call, and the dial's, each stopped: the last call's
	// when its stream finishes on the connection's reader, which may come
	// just after its body read io.EOF.
	deadline := time.Now().Add(5 * time.Second)
	for ctx.stopped.Load() != ctx.registered.Load() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if r, s := ctx.registered.Load(), ctx.stopped.Load(); r != n+1 || s != r {
		t.Fatalf("%d calls registered %d watches on their context and stopped %d", n, r, s)
	}
}
