package h2_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// countingListener counts the Write calls on the connections it accepts,
// and keeps the largest.
type countingListener struct {
	net.Listener
	writes  atomic.Int64
	largest atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.l.writes.Add(1)
	for n := int64(len(p)); ; {
		old := c.l.largest.Load()
		if n <= old || c.l.largest.CompareAndSwap(old, n) {
			break
		}
	}
	return c.Conn.Write(p)
}

type testServer struct {
	addr string
	hs   *http.Server
	h2   *h2.Server
	ln   *countingListener
	logs chan string
}

// serve runs h behind net/http with an h2.Server installed, h2c on
// loopback, the way the streamx endpoint does.
func serve(t *testing.T, h http.HandlerFunc) *testServer {
	t.Helper()
	return serveWith(t, h, h2.ServerConfig{})
}

func serveWith(t *testing.T, h http.HandlerFunc, cfg h2.ServerConfig) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: ln.Addr().String(), ln: &countingListener{Listener: ln}, logs: make(chan string, 10)}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	ts.hs = &http.Server{Handler: h, Protocols: &p}
	cfg.Limits.StreamWindow, cfg.Limits.ConnWindow = 1<<20, 2<<20
	cfg.Logf = func(format string, args ...any) { ts.logs <- fmt.Sprintf(format, args...) }
	ts.h2 = h2.NewServer(cfg)
	ts.h2.Install(ts.hs)
	served := make(chan struct{})
	go func() { defer close(served); _ = ts.hs.Serve(ts.ln) }()
	t.Cleanup(func() {
		_ = ts.hs.Close()
		ts.h2.Close()
		<-served
	})
	return ts
}

// client returns an x/net HTTP/2 client speaking h2c to the server.
func client(t *testing.T) *http.Client {
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func post(ctx context.Context, t *testing.T, c *http.Client, url string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/grpc")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// A reply with a body and trailers: the request reaches the handler whole,
// headers, body and trailers (by prefix and declared) reach the client.
func TestBodyAndTrailers(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		if r.ProtoMajor != 2 || r.URL.Path != "/svc/Echo" || r.Header.Get("Content-Type") != "application/grpc" || r.Host == "" {
			t.Errorf("request: proto %d path %q content-type %q host %q", r.ProtoMajor, r.URL.Path, r.Header.Get("Content-Type"), r.Host)
		}
		w.Header().Set("Trailer", "Declared")
		w.Header().Set("X-Reply", "yes")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append([]byte("echo:"), b...))
		w.Header().Set("Declared", "d")
		w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
	})
	resp := post(ctxT(t), t, client(t), "http://"+ts.addr+"/svc/Echo", strings.NewReader("hello"))
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "echo:hello" {
		t.Fatalf("body %q, %v", b, err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("X-Reply") != "yes" || resp.Header.Get("Declared") != "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	if resp.Trailer.Get("Grpc-Status") != "0" || resp.Trailer.Get("Declared") != "d" {
		t.Fatalf("trailers %v", resp.Trailer)
	}
}

// rawConn is a frame-level h2c client.
type rawConn struct {
	t    *testing.T
	nc   net.Conn
	fr   *http2.Framer
	hbuf bytes.Buffer
	henc *hpack.Encoder
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	rc := &rawConn{t: t, nc: nc, fr: http2.NewFramer(nc, nc)}
	rc.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	rc.henc = hpack.NewEncoder(&rc.hbuf)
	if _, err := nc.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	if err := rc.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	// The server's SETTINGS and connection window, then our SETTINGS' ack.
	for acked := false; !acked; {
		f := rc.read()
		if sf, ok := f.(*http2.SettingsFrame); ok {
			if sf.IsAck() {
				acked = true
			} else if err := rc.fr.WriteSettingsAck(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return rc
}

func (rc *rawConn) read() http2.Frame {
	rc.t.Helper()
	f, err := rc.fr.ReadFrame()
	if err != nil {
		rc.t.Fatal(err)
	}
	return f
}

// request sends a POST's HEADERS on stream id, and body as one DATA frame
// ending the stream (none when body is nil and end is set).
func (rc *rawConn) request(id uint32, path string, body []byte, end bool) {
	rc.t.Helper()
	rc.hbuf.Reset()
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", path}, {"content-type", "application/grpc"}} {
		_ = rc.henc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	endHeaders := end && body == nil
	if err := rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: rc.hbuf.Bytes(), EndHeaders: true, EndStream: endHeaders}); err != nil {
		rc.t.Fatal(err)
	}
	if body != nil {
		if err := rc.fr.WriteData(id, end, body); err != nil {
			rc.t.Fatal(err)
		}
	}
}

// A reply of headers, one message and trailers leaves in one write, and
// a reply without a body is one HEADERS frame that ends the stream.
func TestReplyFraming(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/grpc")
		if r.URL.Path == "/empty" {
			w.Header().Set("Grpc-Status", "5")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("reply"))
		w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
	})
	rc := dialRaw(t, ts.addr)

	before := ts.ln.writes.Load()
	rc.request(1, "/unary", []byte("req"), true)
	var kinds []string
	for done := false; !done; {
		switch f := rc.read().(type) {
		case *http2.MetaHeadersFrame:
			kinds = append(kinds, fmt.Sprintf("HEADERS(end=%v)", f.StreamEnded()))
			done = f.StreamEnded()
		case *http2.DataFrame:
			kinds = append(kinds, fmt.Sprintf("DATA(%q,end=%v)", f.Data(), f.StreamEnded()))
			done = f.StreamEnded()
		case *http2.WindowUpdateFrame, *http2.PingFrame:
		default:
			kinds = append(kinds, fmt.Sprintf("%T", f))
		}
	}
	if got, want := strings.Join(kinds, " "), `HEADERS(end=false) DATA("reply",end=false) HEADERS(end=true)`; got != want {
		t.Fatalf("frames %s, want %s", got, want)
	}
	if n := ts.ln.writes.Load() - before; n != 1 {
		t.Fatalf("the reply took %d writes, want 1", n)
	}

	rc.request(3, "/empty", nil, true)
	f := rc.read()
	hf, ok := f.(*http2.MetaHeadersFrame)
	if !ok || !hf.StreamEnded() || hf.PseudoValue("status") != "200" {
		t.Fatalf("trailers-only reply: %#v", f)
	}
	var fields []string
	for _, field := range hf.RegularFields() {
		fields = append(fields, field.Name+"="+field.Value)
	}
	if got := strings.Join(fields, ","); got != "content-type=application/grpc,grpc-status=5" && got != "grpc-status=5,content-type=application/grpc" {
		t.Fatalf("trailers-only fields %s", got)
	}
}

// Bodies larger than every window cross both ways intact while the
// handler streams its reply: flow control is granted back as data is read.
func TestLargeBodiesBothWays(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 100<<10)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					t.Errorf("write: %v", werr)
					return
				}
				w.(http.Flusher).Flush()
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
		}
	})
	payload := make([]byte, 9<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := pw.Write(payload)
		pw.CloseWithError(err)
	}()
	resp := post(ctxT(t), t, client(t), "http://"+ts.addr+"/echo", pr)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(payload) || sha256.Sum256(got) != sha256.Sum256(payload) {
		t.Fatalf("echoed %d bytes, not the %d sent", len(got), len(payload))
	}
}

// A client that resets its stream cancels the handler's context and fails
// its pending body read.
func TestClientCancel(t *testing.T) {
	entered := make(chan struct{})
	result := make(chan string, 1)
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		close(entered)
		_, err := r.Body.Read(make([]byte, 10))
		// The context ended before the read failed: Err says so before
		// anything waits on Done (the stream context is lazy), and after.
		before := r.Context().Err()
		<-r.Context().Done()
		result <- fmt.Sprintf("read: %v, ctx: %v, before Done: %v", err != nil, r.Context().Err(), before)
	})
	rc := dialRaw(t, ts.addr)
	rc.request(1, "/wait", nil, false)
	<-entered
	if err := rc.fr.WriteRSTStream(1, http2.ErrCodeCancel); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-result:
		if got != "read: true, ctx: context canceled, before Done: context canceled" {
			t.Fatal(got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not see the cancellation")
	}
}

// Graceful shutdown: a stream open at the time finishes; the connection
// then closes and Shutdown returns.
func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
		_, _ = w.Write([]byte("done"))
	})
	ctx := ctxT(t)
	resp := post(ctx, t, client(t), "http://"+ts.addr+"/slow", http.NoBody)
	defer resp.Body.Close()
	shut := make(chan error, 1)
	go func() { shut <- ts.hs.Shutdown(ctx) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned with a stream open: %v", err)
	case <-time.After(100 * time.Millisecond): // it must wait, however long this is
	}
	close(release)
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "done" {
		t.Fatalf("open stream during shutdown: %q, %v", b, err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// New streams after GOAWAY are refused, open ones go on.
func TestRefusedAfterGoAway(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	rc := dialRaw(t, ts.addr)
	rc.request(1, "/a", nil, true)
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- ts.hs.Shutdown(ctxT(t)) }()
	for {
		if ga, ok := rc.read().(*http2.GoAwayFrame); ok {
			if ga.LastStreamID != 1 || ga.ErrCode != http2.ErrCodeNo {
				t.Fatalf("GOAWAY last %d code %v", ga.LastStreamID, ga.ErrCode)
			}
			break
		}
	}
	rc.request(3, "/b", nil, true)
	for {
		if rst, ok := rc.read().(*http2.RSTStreamFrame); ok {
			if rst.StreamID != 3 || rst.ErrCode != http2.ErrCodeRefusedStream {
				t.Fatalf("RST_STREAM %d %v", rst.StreamID, rst.ErrCode)
			}
			break
		}
	}
	close(release)
	for {
		if hf, ok := rc.read().(*http2.MetaHeadersFrame); ok && hf.StreamID == 1 && hf.StreamEnded() {
			break
		}
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

// Closing the server cancels running handlers and fails their reads.
func TestCloseCancelsHandlers(t *testing.T) {
	entered := make(chan struct{})
	var readErr error
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		_, readErr = r.Body.Read(make([]byte, 10))
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, "http://"+ts.addr+"/x", pr)
		if resp, err := client(t).Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	_ = ts.hs.Close()
	ts.h2.Close() // returns after the handler has
	if readErr == nil {
		t.Fatal("the handler's read did not fail when the server closed")
	}
}

// A panicking handler resets its stream and is logged; the server serves on.
func TestHandlerPanic(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		_, _ = w.Write([]byte("ok"))
	})
	c := client(t)
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, "http://"+ts.addr+"/panic", http.NoBody)
	resp, err := c.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "INTERNAL_ERROR") {
		t.Fatalf("panicking handler: %v", err)
	}
	if log := <-ts.logs; !strings.Contains(log, "panicked: boom") {
		t.Fatalf("log %q", log)
	}
	resp = post(ctxT(t), t, c, "http://"+ts.addr+"/fine", http.NoBody)
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
		t.Fatalf("after the panic: %q, %v", b, err)
	}
}

// Many concurrent streams on one connection each get their own answer.
func TestConcurrentStreams(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set(http.TrailerPrefix+"Echo", string(b))
		_, _ = w.Write(b)
	})
	c := client(t)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("msg-%d", i)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ts.addr+"/e", strings.NewReader(want))
			resp, err := c.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || string(b) != want || resp.Trailer.Get("Echo") != want {
				errs <- fmt.Errorf("stream %d: %q, trailer %q, %v", i, b, resp.Trailer.Get("Echo"), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// HTTP/1 requests still reach the handler through net/http.
func TestHTTP1StillServed(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "proto %d", r.ProtoMajor)
	})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+ts.addr+"/", nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "proto 1" {
		t.Fatalf("HTTP/1: %q", b)
	}
}

// A client that sends more than its window allows loses the stream.
func TestFlowControlViolation(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	rc := dialRaw(t, ts.addr)
	rc.request(1, "/x", nil, false)
	chunk := make([]byte, 16<<10)
	var err error
	for sent := 0; sent <= 1<<20 && err == nil; sent += len(chunk) {
		err = rc.fr.WriteData(1, false, chunk)
	}
	for {
		f, rerr := rc.fr.ReadFrame()
		if rerr != nil {
			t.Fatalf("no reset for the overrun: %v (write: %v)", rerr, err)
		}
		if rst, ok := f.(*http2.RSTStreamFrame); ok {
			if rst.ErrCode != http2.ErrCodeFlowControl {
				t.Fatalf("reset with %v", rst.ErrCode)
			}
			return
		}
	}
}

// Padding counts against the windows and is granted back: 1.25 MiB of
// padding through a 1 MiB stream window arrives without an overrun.
func TestPaddingGrantedBack(t *testing.T) {
	const frames = 5000
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%d %v", len(b), err)
	})
	rc := dialRaw(t, ts.addr)
	rc.request(1, "/pad", nil, false)
	pad := make([]byte, 255)
	for i := range frames {
		if err := rc.fr.WriteDataPadded(1, i == frames-1, []byte{'x'}, pad); err != nil {
			t.Fatal(err)
		}
	}
	for {
		switch f := rc.read().(type) {
		case *http2.RSTStreamFrame:
			t.Fatalf("stream reset: %v", f.ErrCode)
		case *http2.DataFrame:
			if got := string(f.Data()); got != fmt.Sprintf("%d <nil>", frames) {
				t.Fatalf("handler read %q", got)
			}
			return
		}
	}
}

// Close does not wait for ever for a handler that ignores its context.
func TestCloseGivesUpOnStuckHandler(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}, h2.ServerConfig{CloseWait: 200 * time.Millisecond})
	defer close(release)
	rc := dialRaw(t, ts.addr)
	rc.request(1, "/stuck", nil, true)
	<-entered
	_ = ts.hs.Close()
	done := make(chan struct{})
	go func() { ts.h2.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a stuck handler")
	}
	if log := <-ts.logs; !strings.Contains(log, "still running") {
		t.Fatalf("log %q", log)
	}
}

// A handler writing more than the peer's window in one Write gets it all
// out: what is buffered is flushed before waiting for window, since the
// peer grants more only for data it has received.
func TestWriteBeyondWindowFlushes(t *testing.T) {
	const size = 200_000
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write(bytes.Repeat([]byte{'x'}, size))
	})
	rc := dialRaw(t, ts.addr)
	// A stream window far below what the writer buffers before flushing.
	if err := rc.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10_000}); err != nil {
		t.Fatal(err)
	}
	rc.request(1, "/big", nil, true)
	got := 0
	for {
		switch f := rc.read().(type) {
		case *http2.DataFrame:
			got += len(f.Data())
			if n := uint32(len(f.Data())); n > 0 {
				if err := rc.fr.WriteWindowUpdate(0, n); err != nil {
					t.Fatal(err)
				}
				if err := rc.fr.WriteWindowUpdate(1, n); err != nil {
					t.Fatal(err)
				}
			}
			if f.StreamEnded() {
				if got != size {
					t.Fatalf("got %d bytes, want %d", got, size)
				}
				return
			}
		case *http2.RSTStreamFrame:
			t.Fatalf("stream reset: %v", f.ErrCode)
		}
	}
}

// Config.Timeout puts a request's deadline on its context; requests it
// gives none have no deadline.
func TestRequestTimeout(t *testing.T) {
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		dl, ok := r.Context().Deadline()
		fmt.Fprintf(w, "%v %v", ok, time.Until(dl).Round(time.Minute))
	}, h2.ServerConfig{Timeout: func(h http.Header) (time.Duration, bool) {
		d, err := time.ParseDuration(h.Get("X-Timeout"))
		return d, err == nil
	}})
	c := client(t)
	for timeout, want := range map[string]string{"10m": "true 10m0s", "": "false "} {
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+ts.addr+"/", nil)
		req.Header.Set("X-Timeout", timeout)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if got := string(b); !strings.HasPrefix(got, want) {
			t.Fatalf("X-Timeout %q: handler saw %q, want %q", timeout, got, want)
		}
	}
}

// A large body the windows allow at once still reaches the connection in
// bounded writes: a stream hands the connection's writer at most
// h2.MaxWrite at a time, so its buffer does not grow to the window.
func TestLargeWriteIsBounded(t *testing.T) {
	const size = 1 << 20
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write(bytes.Repeat([]byte{'x'}, size))
	})
	resp := post(ctxT(t), t, client(t), "http://"+ts.addr+"/", nil)
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	if got, limit := ts.ln.largest.Load(), int64(2*h2.MaxWrite+4096); got > limit {
		t.Fatalf("largest write to the connection %d bytes, want at most %d", got, limit)
	}
}

// A request whose header block comes in CONTINUATION frames reaches the
// handler whole; one over MaxHeaderListSize gets 431 without reaching it,
// and the connection serves on.
func TestRequestHeaderBlocks(t *testing.T) {
	seen := make(chan string, 4)
	ts := serveWith(t, func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.Path + " " + r.Header.Get("X-A") + " " + r.Header.Get("X-B")
		w.WriteHeader(http.StatusOK)
	}, h2.ServerConfig{Limits: h2.Limits{MaxHeaderListSize: 1000}})
	rc := dialRaw(t, ts.addr)
	send := func(id uint32, path string, extra ...string) {
		t.Helper()
		rc.hbuf.Reset()
		fields := append([]string{":method", "POST", ":scheme", "http", ":authority", "x", ":path", path}, extra...)
		for i := 0; i < len(fields); i += 2 {
			_ = rc.henc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		if err := h2.WriteHeaderBlock(rc.fr, id, rc.hbuf.Bytes(), 10, true); err != nil {
			t.Fatal(err)
		}
	}
	status := func(id uint32) string {
		t.Helper()
		for {
			if hf, ok := rc.read().(*http2.MetaHeadersFrame); ok && hf.StreamID == id {
				return hf.PseudoValue("status")
			}
		}
	}

	send(1, "/split", "x-a", "one", "x-b", "two")
	if got := status(1); got != "200" {
		t.Fatalf("split block: status %s", got)
	}
	if got := <-seen; got != "/split one two" {
		t.Fatalf("handler saw %q", got)
	}

	// The third field goes over 1000 bytes, in the last fragment: x/net
	// would close the connection on a CONTINUATION past the limit.
	v := strings.Repeat("v", 300)
	send(3, "/big", "x-a", v, "x-b", v, "x-c", v)
	if got := status(3); got != "431" {
		t.Fatalf("oversized block: status %s, want 431", got)
	}

	send(5, "/after", "x-a", "three")
	if got := status(5); got != "200" {
		t.Fatalf("after the oversized block: status %s", got)
	}
	if got := <-seen; got != "/after three " {
		t.Fatalf("handler saw %q (the oversized request must not reach it)", got)
	}
}

// A connection parses each plain path once and shares the URL among its
// requests; a path with a query gets a URL of its own; past the limit of
// shared paths, requests are served as before.
func TestRequestURL(t *testing.T) {
	type seen struct {
		u          *url.URL
		path, uri  string
		query, arg string
	}
	got := make(chan seen, 1)
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.URL, r.URL.Path, r.RequestURI, r.URL.RawQuery, r.URL.Query().Get("x")}
		w.WriteHeader(http.StatusOK)
	})
	c := client(t)
	call := func(target string) seen {
		t.Helper()
		resp := post(ctxT(t), t, c, "http://"+ts.addr+target, nil)
		_ = resp.Body.Close()
		return <-got
	}
	a1, a2 := call("/svc/A"), call("/svc/A")
	if a1.u != a2.u || a1.path != "/svc/A" || a2.uri != "/svc/A" {
		t.Fatalf("two requests of /svc/A: %p %q, %p %q %q", a1.u, a1.path, a2.u, a2.path, a2.uri)
	}
	if q := call("/svc/A?x=1"); q.u == a1.u || q.path != "/svc/A" || q.query != "x=1" || q.arg != "1" || q.uri != "/svc/A?x=1" {
		t.Fatalf("/svc/A?x=1: %p path %q query %q uri %q", q.u, q.path, q.query, q.uri)
	}
	for i := range h2.MaxSharedURLs + 2 {
		p := "/svc/M" + strconv.Itoa(i)
		if s := call(p); s.path != p || s.uri != p {
			t.Fatalf("request %d: path %q uri %q", i, s.path, s.uri)
		}
	}
	if b := call("/svc/B"); b.path != "/svc/B" {
		t.Fatalf("past the limit: path %q", b.path)
	}
}

// Response header maps are reused once their handler returns: every
// response, one after another and side by side, carries its own headers
// and trailers and nothing of an earlier one's.
func TestResponseHeadersOfTheirOwn(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("n")
		w.Header().Set("X-N", n)
		if n[len(n)-1]%2 == 0 {
			w.Header().Set("X-Even", n)
			w.Header().Set(http.TrailerPrefix+"X-Trailer", n)
		}
		w.WriteHeader(http.StatusOK)
	})
	c := client(t)
	check := func(n string) error {
		resp := post(ctxT(t), t, c, "http://"+ts.addr+"/?n="+n, nil)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		even := n[len(n)-1]%2 == 0
		want := ""
		if even {
			want = n
		}
		if resp.Header.Get("X-N") != n || resp.Header.Get("X-Even") != want || resp.Trailer.Get("X-Trailer") != want {
			return fmt.Errorf("request %s: headers %v, trailers %v", n, resp.Header, resp.Trailer)
		}
		return nil
	}
	for i := range 20 {
		if err := check(strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*20)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if err := check(fmt.Sprintf("%d-%d", g, i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
