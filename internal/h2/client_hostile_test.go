package h2_test

// The consumer facing a hostile provider: every bound of h2.Limits,
// held against a raw provider (internal/h2test) that breaks it. After
// every case a fresh Transport to a well-behaved provider (x/net's h2c
// server) completes a call within 1 s.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// result is how a call ended: its response (headers), the first error of
// Open, the response or (when read) the body, and how long it took.
type result struct {
	resp    *http.Response
	err     error
	elapsed time.Duration
}

// startCall makes a call on its own goroutine: Open with body as the whole
// request, then the response, then, with readBody, the response body.
func startCall(ctx context.Context, tr *h2.Client, path string, body []byte, readBody bool) <-chan result {
	ch := make(chan result, 1)
	go func() {
		start := time.Now()
		got := make(chan answer, 1)
		_, err := tr.Open(ctx, path, grpcHeader, body, func(r *http.Response, err error) { got <- answer{r, err} })
		if err != nil {
			ch <- result{err: err, elapsed: time.Since(start)}
			return
		}
		var a answer
		select {
		case a = <-got:
		case <-time.After(20 * time.Second): // the test has failed long before
			ch <- result{err: errors.New("onResponse never called"), elapsed: time.Since(start)}
			return
		}
		if a.err == nil && readBody {
			_, a.err = io.ReadAll(a.resp.Body)
			_ = a.resp.Body.Close()
		}
		ch <- result{resp: a.resp, err: a.err, elapsed: time.Since(start)}
	}()
	return ch
}

// awaitCall waits at most within for the call to end.
func awaitCall(t *testing.T, ch <-chan result, within time.Duration, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(within):
		t.Fatalf("%s: the call has not ended within %v", what, within)
		return result{}
	}
}

// expectFailed waits at most within for the call and fails the test
// unless it failed.
func expectFailed(t *testing.T, ch <-chan result, within time.Duration, what string) result {
	t.Helper()
	r := awaitCall(t, ch, within, what)
	if r.err == nil {
		t.Fatalf("%s: the call succeeded (HTTP %d), want an error", what, r.resp.StatusCode)
	}
	return r
}

// hostileProvider listens for the consumer and returns a Transport with
// lim to it; both end with the test.
func hostileProvider(t *testing.T, lim h2.Limits) (*h2test.Listener, *h2.Client) {
	t.Helper()
	if err := lim.Validate(); err != nil {
		t.Fatal(err)
	}
	l := h2test.Listen(t)
	tr := h2.NewClient(l.Addr(), nil, lim)
	t.Cleanup(tr.Close)
	return l, tr
}

// callCtx is a context for a call, ended when the test ends.
func callCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// wellCalled asserts that a fresh Transport to a well-behaved provider
// (x/net's h2c server) completes a call, 200 "ok", within 1 s.
func wellCalled(t *testing.T) {
	t.Helper()
	addr, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("ok"))
	}, nil)
	tr := h2.NewClient(addr, nil, h2.Limits{})
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got := make(chan answer, 1)
	if _, err := tr.Open(ctx, "/ok", grpcHeader, []byte("x"), func(r *http.Response, err error) { got <- answer{r, err} }); err != nil {
		t.Fatalf("a call to a well-behaved provider after the hostile one: %v", err)
	}
	a := <-got
	if a.err != nil {
		t.Fatalf("a call to a well-behaved provider after the hostile one: %v", a.err)
	}
	b, err := io.ReadAll(a.resp.Body)
	_ = a.resp.Body.Close()
	if a.resp.StatusCode != 200 || string(b) != "ok" || err != nil {
		t.Fatalf("a call to a well-behaved provider after the hostile one: HTTP %d %q, %v", a.resp.StatusCode, b, err)
	}
}

// handshake runs the provider's side of the handshake; when it fails, the
// failure reports how the consumer's call ended too.
func handshake(t *testing.T, p *h2test.Peer, ch <-chan result) {
	t.Helper()
	if err := p.TryHandshake(); err != nil {
		select {
		case r := <-ch:
			t.Fatalf("%v; the call ended with %v", err, r.err)
		case <-time.After(time.Second):
			t.Fatalf("%v; the call still runs", err)
		}
	}
}

// requestHeaders reads until the consumer's HEADERS for stream id.
func requestHeaders(t *testing.T, p *h2test.Peer, id uint32) {
	t.Helper()
	f, tr := p.ReadUntil(2*time.Second, func(f http2.Frame) bool {
		hf, ok := f.(*http2.MetaHeadersFrame)
		return ok && hf.StreamID == id
	})
	if f == nil {
		t.Fatalf("want the consumer's HEADERS on stream %d; got %s", id, tr)
	}
}

// hasAny reports whether err's text has one of subs, case-insensitive.
func hasAny(err error, subs ...string) bool {
	s := strings.ToLower(err.Error())
	for _, sub := range subs {
		if strings.Contains(s, strings.ToLower(sub)) {
			return true
		}
	}
	return false
}

// Invalid SETTINGS from the provider (RFC 9113 6.5.2; a server sends no
// ENABLE_PUSH but 0): the consumer sends GOAWAY with the code given and
// closes, the call fails within 1 s with an error (its 1 s deadline is
// not what ends it, and it never takes over 1.2 s), and the consumer's
// heap stays within 32 MiB for 2 s.
func TestHostileProviderSettings(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	for _, c := range []struct {
		name string
		set  http2.Setting
		code http2.ErrCode
	}{
		{"MaxFrameSize0", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 0}, http2.ErrCodeProtocol},
		{"MaxFrameSize16383", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16383}, http2.ErrCodeProtocol},
		{"MaxFrameSize2^24", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 24}, http2.ErrCodeProtocol},
		{"EnablePush1", http2.Setting{ID: http2.SettingEnablePush, Val: 1}, http2.ErrCodeProtocol},
		{"EnablePush2", http2.Setting{ID: http2.SettingEnablePush, Val: 2}, http2.ErrCodeProtocol},
		{"InitialWindow2^31", http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31}, http2.ErrCodeFlowControl},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, tr := hostileProvider(t, h2.Limits{})
			h2test.HeapGrowthUnder(t, 32<<20, 2*time.Second, func() {
				ch := startCall(callCtx(t, time.Second), tr, "/x", []byte("x"), true)
				p := l.Accept(2 * time.Second)
				if err := p.Fr.WriteSettings(c.set); err != nil {
					t.Fatal(err)
				}
				sent := time.Now()
				p.ExpectGoAway(c.code, time.Second)
				r := expectFailed(t, ch, time.Second, "after the invalid SETTINGS")
				if errors.Is(r.err, context.DeadlineExceeded) || time.Since(sent) > time.Second || r.elapsed > 1200*time.Millisecond {
					t.Fatalf("the call ended after %v (%v after the SETTINGS) with %v; want a failure within 1 s that is not its deadline",
						r.elapsed, time.Since(sent), r.err)
				}
				p.ExpectClosed(time.Second)
			})
			wellCalled(t)
		})
	}
}

// A 20 KiB DATA frame against the consumer's 16 KiB MaxFrameSize:
// GOAWAY(FRAME_SIZE_ERROR), the call fails.
func TestHostileProviderOversizedFrame(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	l, tr := hostileProvider(t, h2.Limits{})
	ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
	p := l.Accept(2 * time.Second)
	handshake(t, p, ch)
	requestHeaders(t, p, 1)
	if err := p.Respond(1, false); err != nil {
		t.Fatal(err)
	}
	_ = p.Fr.WriteData(1, false, make([]byte, 20<<10))
	p.ExpectGoAway(http2.ErrCodeFrameSize, time.Second)
	expectFailed(t, ch, time.Second, "after the oversized frame")
	wellCalled(t)
}

// DATA past the consumer's windows. A stream's (StreamWindow 65535, the
// body unread, 70000 bytes sent at once): RST_STREAM(FLOW_CONTROL_ERROR)
// or GOAWAY(FLOW_CONTROL_ERROR), and the call's error says so. The
// connection's (ConnWindow 65535, one 70000-byte frame, within a stream
// window of 1 MiB and a MaxFrameSize of 128 KiB): GOAWAY(FLOW_CONTROL_ERROR).
func TestHostileProviderDataPastWindow(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	t.Run("Stream", func(t *testing.T) {
		l, tr := hostileProvider(t, h2.Limits{StreamWindow: 65535})
		ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), false)
		p := l.Accept(2 * time.Second)
		handshake(t, p, ch)
		if got, ok := p.PeerSettings[http2.SettingInitialWindowSize]; ok && got != 65535 {
			t.Fatalf("the consumer advertised SETTINGS_INITIAL_WINDOW_SIZE %d, want 65535", got)
		}
		requestHeaders(t, p, 1)
		if err := p.Respond(1, false); err != nil {
			t.Fatal(err)
		}
		r := awaitCall(t, ch, time.Second, "response headers")
		if r.err != nil {
			t.Fatalf("response headers: %v", r.err)
		}
		for left := 70000; left > 0; left -= 16384 {
			if p.Fr.WriteData(1, false, make([]byte, min(left, 16384))) != nil {
				break
			}
		}
		p.ExpectRSTOrGoAway(1, http2.ErrCodeFlowControl, time.Second)
		done := make(chan error, 1)
		go func() { _, err := io.ReadAll(r.resp.Body); done <- err }()
		select {
		case err := <-done:
			if err == nil || !hasAny(err, "FLOW_CONTROL", "flow control", "window") {
				t.Fatalf("reading the overrun body: %v; want an error saying flow control", err)
			}
		case <-time.After(time.Second):
			t.Fatal("reading the overrun body: no error within 1 s")
		}
		wellCalled(t)
	})
	t.Run("Connection", func(t *testing.T) {
		l, tr := hostileProvider(t, h2.Limits{ConnWindow: 65535, StreamWindow: 1 << 20, MaxFrameSize: 128 << 10})
		ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
		p := l.Accept(2 * time.Second)
		handshake(t, p, ch)
		if got := p.PeerSettings[http2.SettingMaxFrameSize]; got != 128<<10 {
			t.Errorf("the consumer advertised SETTINGS_MAX_FRAME_SIZE %d, want %d", got, 128<<10)
		}
		requestHeaders(t, p, 1)
		if err := p.Respond(1, false); err != nil {
			t.Fatal(err)
		}
		_ = p.Fr.WriteData(1, false, make([]byte, 70000))
		p.ExpectGoAway(http2.ErrCodeFlowControl, time.Second)
		r := expectFailed(t, ch, time.Second, "after the connection window's overrun")
		if !hasAny(r.err, "FLOW_CONTROL", "flow control", "window") {
			t.Errorf("the call's error %q does not say flow control", r.err)
		}
		wellCalled(t)
	})
}

// A response header list over the consumer's MaxHeaderListSize (three
// fields of 1800 bytes against 4 KiB): the call fails with an error naming the limit. A block
// in 51 fragments with MaxContinuations 8: GOAWAY(ENHANCE_YOUR_CALM) and
// the call fails.
func TestHostileProviderHeaders(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	t.Run("ListTooLarge", func(t *testing.T) {
		l, tr := hostileProvider(t, h2.Limits{MaxHeaderListSize: 4096})
		ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
		p := l.Accept(2 * time.Second)
		handshake(t, p, ch)
		if got := p.PeerSettings[http2.SettingMaxHeaderListSize]; got != 4096 {
			t.Errorf("the consumer advertised SETTINGS_MAX_HEADER_LIST_SIZE %d, want 4096", got)
		}
		requestHeaders(t, p, 1)
		v := strings.Repeat("v", 1800)
		if err := p.Respond(1, true, "x-a", v, "x-b", v, "x-c", v); err != nil {
			t.Fatal(err)
		}
		r := expectFailed(t, ch, time.Second, "response headers over the limit")
		if !strings.Contains(r.err.Error(), "4096") {
			t.Fatalf("the call failed with %q; want an error naming the 4096-byte limit", r.err)
		}
		wellCalled(t)
	})
	t.Run("ContinuationFlood", func(t *testing.T) {
		l, tr := hostileProvider(t, h2.Limits{MaxContinuations: 8})
		ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
		p := l.Accept(2 * time.Second)
		handshake(t, p, ch)
		requestHeaders(t, p, 1)
		block := append([]byte(nil), p.Block(":status", "200", "x-pad", strings.Repeat("p", 300))...)
		_ = p.WriteSplitBlock(1, block, 50, true)
		p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm, 2*time.Second)
		expectFailed(t, ch, time.Second, "after the CONTINUATION flood")
		wellCalled(t)
	})
}

// 100 PINGs back to back (MinPingInterval 5 s, MaxPingStrikes 2) and 200
// SETTINGS frames back to back (MaxSettingsPerSecond 20) from the
// provider, with a call waiting: GOAWAY(ENHANCE_YOUR_CALM), the call fails.
func TestHostileProviderFloods(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	for _, c := range []struct {
		name  string
		lim   h2.Limits
		flood func(*h2test.Peer) error
	}{
		{"Ping", h2.Limits{MinPingInterval: 5 * time.Second, MaxPingStrikes: 2}, func(p *h2test.Peer) error {
			for i := range 100 {
				if err := p.Fr.WritePing(false, [8]byte{byte(i)}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"Settings", h2.Limits{MaxSettingsPerSecond: 20}, func(p *h2test.Peer) error {
			for range 200 {
				if err := p.Fr.WriteSettings(); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, tr := hostileProvider(t, c.lim)
			ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
			p := l.Accept(2 * time.Second)
			handshake(t, p, ch)
			requestHeaders(t, p, 1)
			_ = c.flood(p)
			p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm, 2*time.Second)
			expectFailed(t, ch, time.Second, "after the flood")
			wellCalled(t)
		})
	}
}

// A provider that accepts, grants wide windows in its SETTINGS and then
// never reads, while the consumer writes a 32 MiB request body
// (WriteTimeout 500 ms): Write fails within a few seconds, the connection
// is closed, the consumer's heap stays within 64 MiB of what it was with
// the body allocated.
func TestHostileProviderNeverReads(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	l, tr := hostileProvider(t, h2.Limits{WriteTimeout: 500 * time.Millisecond})
	body := make([]byte, 32<<20)
	var nc net.Conn
	h2test.HeapGrowthUnder(t, 64<<20, 0, func() {
		wrote := make(chan error, 1)
		go func() {
			got := make(chan answer, 1)
			st, err := tr.Open(callCtx(t, 20*time.Second), "/upload", grpcHeader, nil, func(r *http.Response, err error) { got <- answer{r, err} })
			if err != nil {
				wrote <- err
				return
			}
			_, err = st.Write(body)
			if err == nil {
				err = st.Close()
			}
			wrote <- err
		}()
		nc = l.AcceptConn(2 * time.Second)
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		fr := http2.NewFramer(nc, nc)
		if err := fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2test.MaxWindow}); err != nil {
			t.Fatal(err)
		}
		if err := fr.WriteWindowUpdate(0, h2test.MaxWindow-65535); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		select {
		case err := <-wrote:
			if err == nil {
				t.Fatalf("the consumer wrote all %d MiB to a provider that reads nothing, without an error", len(body)>>20)
			}
			t.Logf("Write failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
		case <-time.After(5 * time.Second):
			t.Fatal("Write to a provider that never reads has not failed within 5 s (WriteTimeout 500 ms)")
		}
	})
	// The connection must be closed. Reading through what the kernel still
	// queues for a small receive buffer can stall for longer than the test
	// (zero-window probes back off), so poke it instead: a frame sent to a
	// closed socket is answered with a TCP reset, which the next read sees.
	peer := h2test.AcceptedPeer(t, nc)
	_ = peer.Fr.WritePing(false, [8]byte{})
	peer.ExpectClosed(5 * time.Second)
	wellCalled(t)
}

// HEADERS (with END_STREAM) or DATA on a stream the consumer never opened
// (idle: a later odd id, or an even one with push off), a call open:
// GOAWAY(PROTOCOL_ERROR), the call fails, nothing panics.
func TestHostileProviderUnopenedStream(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	for _, c := range []struct {
		name string
		send func(*h2test.Peer) error
	}{
		{"HeadersOnOddStream", func(p *h2test.Peer) error { return p.Respond(3, true) }},
		{"HeadersOnEvenStream", func(p *h2test.Peer) error { return p.Respond(2, true) }},
		{"DataOnOddStream", func(p *h2test.Peer) error { return p.Fr.WriteData(5, true, []byte("x")) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, tr := hostileProvider(t, h2.Limits{})
			ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("x"), true)
			p := l.Accept(2 * time.Second)
			handshake(t, p, ch)
			requestHeaders(t, p, 1)
			if err := c.send(p); err != nil {
				t.Fatal(err)
			}
			p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
			expectFailed(t, ch, time.Second, "after a frame on an unopened stream")
			wellCalled(t)
		})
	}
}

// A provider that answers in full before the consumer has ended its side
// and then resets the stream with NO_ERROR (RFC 9113 8.1; streamx's own
// provider does so) is not a reset flood, however often it does it.
func TestProviderEarlyAnswersAreNoResetFlood(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("done")) // without reading the request
	})}
	srv := h2.NewServer(h2.ServerConfig{})
	srv.Install(hs)
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close(); srv.Close(); <-served }()

	tr := h2.NewClient(ln.Addr().String(), nil, h2.Limits{MaxResetsPerSecond: 5})
	defer tr.Close()
	for i := 0; i < 50; i++ {
		got := make(chan answer, 1)
		s, err := tr.Open(callCtx(t, 5*time.Second), "/early", grpcHeader, nil, func(r *http.Response, err error) { got <- answer{r, err} })
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		a := <-got
		if a.err != nil {
			t.Fatalf("call %d: %v", i, a.err)
		}
		body, err := io.ReadAll(a.resp.Body)
		if err != nil || string(body) != "done" {
			t.Fatalf("call %d: body %q, %v", i, body, err)
		}
		_ = a.resp.Body.Close()
		_ = s.Close()
	}
}
