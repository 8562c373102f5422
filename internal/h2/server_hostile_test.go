package h2_test

// The provider facing a hostile client: every bound of h2.Limits, held
// against a raw peer (internal/h2test) that breaks it. After every case a
// well-behaved client on a fresh connection is served within 1 s.

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// hostileServer is a provider with the given limits (nothing overridden)
// behind net/http, h2c on loopback. "/ok" reads the request and answers
// "ok"; other paths go to h, or get 404 when h is nil.
func hostileServer(t *testing.T, lim h2.Limits, h http.HandlerFunc) string {
	t.Helper()
	if err := lim.Validate(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = w.Write([]byte("ok"))
			return
		}
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	})}
	srv := h2.NewServer(h2.ServerConfig{Limits: lim, CloseWait: 2 * time.Second})
	srv.Install(hs)
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		srv.Close()
		<-served
	})
	return ln.Addr().String()
}

// wellServed asserts that a well-behaved client (x/net's) on a fresh
// connection gets "/ok" answered, 200 "ok", within 1 s.
func wellServed(t *testing.T, addr string) {
	t.Helper()
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/ok", strings.NewReader("hello"))
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("a well-behaved request on a fresh connection after the hostile one: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "ok" || err != nil {
		t.Fatalf("a well-behaved request after the hostile one: HTTP %d %q, %v; want 200 \"ok\"", resp.StatusCode, b, err)
	}
}

// holdHandler blocks until release is closed or the request's context
// ends, then answers 200; entered gets a value as each starts.
func holdHandler(entered chan<- struct{}, release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if entered != nil {
			entered <- struct{}{}
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// Invalid SETTINGS from the client, then a request (to an unknown path):
// GOAWAY with the code RFC 9113 6.5.2 gives, the connection closed, and
// no spin: the provider's heap stays within 32 MiB for 2 s.
func TestHostileSettings(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	for _, c := range []struct {
		name string
		set  http2.Setting
		code http2.ErrCode
	}{
		// First: a provider left spinning by an earlier case would show in
		// its heap too.
		{"InitialWindow2^31", http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31}, http2.ErrCodeFlowControl},
		{"MaxFrameSize0", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 0}, http2.ErrCodeProtocol},
		{"MaxFrameSize16383", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16383}, http2.ErrCodeProtocol},
		{"MaxFrameSize2^24", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 24}, http2.ErrCodeProtocol},
		{"EnablePush2", http2.Setting{ID: http2.SettingEnablePush, Val: 2}, http2.ErrCodeProtocol},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := hostileServer(t, h2.Limits{}, nil)
			h2test.HeapGrowthUnder(t, 32<<20, 2*time.Second, func() {
				p := h2test.Dial(t, addr)
				if err := p.Fr.WriteSettings(c.set); err != nil {
					t.Fatal(err)
				}
				_ = p.Request(1, "/unknown", true)
				p.ExpectGoAway(c.code, time.Second)
				p.ExpectClosed(time.Second)
			})
			wellServed(t, addr)
		})
	}
}

// A DATA frame of 20 KiB against the default 16 KiB SETTINGS_MAX_FRAME_SIZE:
// GOAWAY(FRAME_SIZE_ERROR).
func TestHostileOversizedFrame(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{}, holdHandler(nil, nil))
	p := h2test.Dial(t, addr)
	p.Handshake()
	if got := p.PeerSettings[http2.SettingMaxFrameSize]; got != 0 && got != h2.DefaultMaxFrameSize {
		t.Fatalf("advertised SETTINGS_MAX_FRAME_SIZE %d, want %d", got, h2.DefaultMaxFrameSize)
	}
	if err := p.Request(1, "/hold", false); err != nil {
		t.Fatal(err)
	}
	_ = p.Fr.WriteData(1, false, make([]byte, 20<<10))
	p.ExpectGoAway(http2.ErrCodeFrameSize, time.Second)
	wellServed(t, addr)
}

// A header block in 51 fragments (50 CONTINUATIONs) with MaxContinuations
// 8: GOAWAY(ENHANCE_YOUR_CALM).
func TestHostileContinuationFlood(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{MaxContinuations: 8}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake()
	block := bytes.Clone(p.RequestBlock("/ok", "x-pad", strings.Repeat("p", 300)))
	_ = p.WriteSplitBlock(1, block, 50, true)
	p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm, 2*time.Second)
	wellServed(t, addr)
}

// A header list over MaxHeaderListSize (1.5 KiB of fields against 1 KiB,
// in one HEADERS frame; a fragment over twice the limit may end the
// connection instead, as in x/net): :status 431, and the connection serves
// the next request.
func TestHostileHeaderListTooLarge(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{MaxHeaderListSize: 1 << 10}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake()
	if got := p.PeerSettings[http2.SettingMaxHeaderListSize]; got != 1<<10 {
		t.Errorf("advertised SETTINGS_MAX_HEADER_LIST_SIZE %d, want 1024", got)
	}
	v := strings.Repeat("b", 500)
	if err := p.Request(1, "/ok", true, "x-a", v, "x-b", v, "x-c", v); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.ExpectResponse(1, 2*time.Second); status != "431" {
		t.Fatalf("header list over the limit: :status %s, want 431", status)
	}
	if err := p.Request(3, "/ok", true); err != nil {
		t.Fatal(err)
	}
	if status, body := p.ExpectResponse(3, 2*time.Second); status != "200" || string(body) != "ok" {
		t.Fatalf("the next request on the connection: :status %s body %q, want 200 \"ok\"", status, body)
	}
	wellServed(t, addr)
}

// MaxConcurrentStreams 4, advertised in SETTINGS; six streams whose
// handlers block: the fifth and sixth (9, 11) get RST_STREAM(REFUSED_STREAM)
// and never reach a handler; the four finish once released.
func TestHostileConcurrentStreams(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	entered, release := make(chan struct{}, 10), make(chan struct{})
	var once sync.Once
	addr := hostileServer(t, h2.Limits{MaxConcurrentStreams: 4}, holdHandler(entered, release))
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	p := h2test.Dial(t, addr)
	p.Handshake()
	if got, ok := p.PeerSettings[http2.SettingMaxConcurrentStreams]; !ok || got != 4 {
		t.Errorf("advertised SETTINGS_MAX_CONCURRENT_STREAMS %d (sent: %v), want 4", got, ok)
	}
	for id := uint32(1); id <= 11; id += 2 {
		if err := p.Request(id, "/hold", true); err != nil {
			t.Fatal(err)
		}
	}
	refused := map[uint32]bool{}
	_, tr := p.ReadUntil(2*time.Second, func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			if f.ErrCode == http2.ErrCodeRefusedStream {
				refused[f.StreamID] = true
				return len(refused) == 2
			}
			return true
		case *http2.GoAwayFrame:
			return true
		}
		return false
	})
	if !refused[9] || !refused[11] || len(refused) != 2 {
		t.Fatalf("want RST_STREAM(REFUSED_STREAM) for streams 9 and 11 only; got %s", tr)
	}
	for i := range 4 {
		select {
		case <-entered:
		case <-time.After(2 * time.Second):
			t.Fatalf("%d of the 4 admitted streams reached their handler", i)
		}
	}
	select {
	case <-entered:
		t.Fatal("a fifth handler runs with MaxConcurrentStreams 4")
	default:
	}
	once.Do(func() { close(release) })
	ended := map[uint32]bool{}
	_, tr = p.ReadUntil(2*time.Second, func(f http2.Frame) bool {
		if hf, ok := f.(*http2.MetaHeadersFrame); ok && hf.StreamEnded() {
			ended[hf.StreamID] = true
		}
		_, bad := f.(*http2.GoAwayFrame)
		return bad || len(ended) == 4
	})
	if !ended[1] || !ended[3] || !ended[5] || !ended[7] {
		t.Fatalf("want streams 1, 3, 5, 7 answered once released; got %s", tr)
	}
	wellServed(t, addr)
}

// Rapid reset (CVE-2023-44487): 2000 HEADERS + RST_STREAM(CANCEL) pairs as
// fast as they go, to handlers that ignore their context. With
// MaxConcurrentStreams 10 no more than 10 handlers ever run at once (a
// reset stream's handler keeps its slot), streams over that are refused,
// and with MaxResetsPerSecond 100 GOAWAY(ENHANCE_YOUR_CALM) comes before
// the provider took all 2000. Every handler returns once released.
func TestHostileRapidReset(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	const pairs = 2000
	var running, peak, started, finished atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	addr := hostileServer(t, h2.Limits{MaxConcurrentStreams: 10, MaxResetsPerSecond: 100}, func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		n := running.Add(1)
		for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
		}
		<-release // ignores its context
		running.Add(-1)
		finished.Add(1)
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	p := h2test.Dial(t, addr)
	p.Handshake()

	var sent atomic.Int64
	written := make(chan error, 1)
	go func() {
		var err error
		for i := range pairs {
			id := uint32(2*i + 1)
			if err = p.Request(id, "/hold", true); err != nil {
				break
			}
			if err = p.Fr.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
				break
			}
			sent.Add(1)
		}
		written <- err
	}()
	refused := 0
	f, tr := p.ReadUntil(5*time.Second, func(f http2.Frame) bool {
		if rst, ok := f.(*http2.RSTStreamFrame); ok && rst.ErrCode == http2.ErrCodeRefusedStream {
			refused++
		}
		_, ok := f.(*http2.GoAwayFrame)
		return ok
	})
	if len(tr.Frames) > 12 {
		tr.Frames = append(tr.Frames[:5], append([]string{"..."}, tr.Frames[len(tr.Frames)-5:]...)...)
	}
	ga, _ := f.(*http2.GoAwayFrame)
	if ga == nil || ga.ErrCode != http2.ErrCodeEnhanceYourCalm {
		t.Errorf("want GOAWAY(ENHANCE_YOUR_CALM) with MaxResetsPerSecond 100; got %s", tr)
	} else if ga.LastStreamID >= 2*pairs-1 {
		t.Errorf("GOAWAY(ENHANCE_YOUR_CALM) only after all %d streams were taken (last stream %d)", pairs, ga.LastStreamID)
	}
	if refused == 0 {
		t.Errorf("no stream refused (RST_STREAM(REFUSED_STREAM)) with MaxConcurrentStreams 10 and every handler blocked; %d pairs sent", sent.Load())
	}
	if n := peak.Load(); n > 10 {
		t.Errorf("%d handlers ran at once with MaxConcurrentStreams 10", n)
	}
	_ = p.Conn.Close()
	select {
	case <-written:
	case <-time.After(5 * time.Second):
		t.Fatal("the flood's writer is stuck")
	}
	once.Do(func() { close(release) })
	h2test.Eventually(t, 5*time.Second, func() bool { return running.Load() == 0 && finished.Load() == started.Load() }, func() string {
		return fmt.Sprintf("released handlers returning: %d of %d still running", running.Load(), started.Load())
	})
	t.Logf("%d pairs sent, %d refused, %d handlers started, at most %d at once", sent.Load(), refused, started.Load(), peak.Load())
	wellServed(t, addr)
}

// 100 PINGs back to back on an idle connection (MinPingInterval 5 s,
// MaxPingStrikes 2): GOAWAY(ENHANCE_YOUR_CALM) after a few PING ACKs.
func TestHostilePingFlood(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{MinPingInterval: 5 * time.Second, MaxPingStrikes: 2}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake()
	for i := range 100 {
		if p.Fr.WritePing(false, [8]byte{byte(i)}) != nil {
			break
		}
	}
	acks := 0
	f, tr := p.ReadUntil(3*time.Second, func(f http2.Frame) bool {
		if pf, ok := f.(*http2.PingFrame); ok && pf.IsAck() {
			acks++
		}
		_, ok := f.(*http2.GoAwayFrame)
		return ok
	})
	if ga, _ := f.(*http2.GoAwayFrame); ga == nil || ga.ErrCode != http2.ErrCodeEnhanceYourCalm {
		t.Fatalf("want GOAWAY(ENHANCE_YOUR_CALM) after a PING flood; got %d PING ACKs in %s", acks, tr)
	}
	if acks > 5 {
		t.Fatalf("%d PING ACKs before GOAWAY(ENHANCE_YOUR_CALM), want at most a few (MaxPingStrikes 2)", acks)
	}
	wellServed(t, addr)
}

// Pings that each follow a response the provider sent are fine: five
// rounds of request/response then PING, and the connection serves on.
func TestHostilePingPongIsFine(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{MinPingInterval: 5 * time.Second, MaxPingStrikes: 2}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake()
	id := uint32(1)
	for round := range 5 {
		if err := p.Request(id, "/ok", true); err != nil {
			t.Fatal(err)
		}
		if status, body := p.ExpectResponse(id, 2*time.Second); status != "200" || string(body) != "ok" {
			t.Fatalf("round %d: :status %s body %q", round, status, body)
		}
		id += 2
		if err := p.Fr.WritePing(false, [8]byte{byte(round)}); err != nil {
			t.Fatal(err)
		}
		f, tr := p.ReadUntil(2*time.Second, func(f http2.Frame) bool {
			switch f := f.(type) {
			case *http2.PingFrame:
				return f.IsAck()
			case *http2.GoAwayFrame:
				return true
			}
			return false
		})
		if pf, ok := f.(*http2.PingFrame); !ok || pf.Data != [8]byte{byte(round)} {
			t.Fatalf("round %d: want the PING ACK; got %s", round, tr)
		}
	}
	if err := p.Request(id, "/ok", true); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.ExpectResponse(id, 2*time.Second); status != "200" {
		t.Fatalf("after the ping-pong: :status %s", status)
	}
	wellServed(t, addr)
}

// 200 SETTINGS frames back to back with MaxSettingsPerSecond 20:
// GOAWAY(ENHANCE_YOUR_CALM).
func TestHostileSettingsFlood(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{MaxSettingsPerSecond: 20}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake()
	for range 200 {
		if p.Fr.WriteSettings() != nil {
			break
		}
	}
	p.ExpectGoAway(http2.ErrCodeEnhanceYourCalm, 3*time.Second)
	wellServed(t, addr)
}

// IdleTimeout 300 ms: a connection with no stream, or whose streams have
// all ended, gets GOAWAY(NO_ERROR) and is closed within ~2x that; one with
// a stream open is not, however long the stream takes.
func TestHostileIdle(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	const idle = 300 * time.Millisecond
	const within = 2*idle + 150*time.Millisecond // 2x, and scheduling slack
	lim := h2.Limits{IdleTimeout: idle}
	expectIdleClose := func(t *testing.T, p *h2test.Peer, since time.Time) {
		t.Helper()
		p.ExpectGoAway(http2.ErrCodeNo, within)
		p.ExpectClosed(time.Until(since.Add(within)) + 50*time.Millisecond)
		if d := time.Since(since); d > within+50*time.Millisecond {
			t.Fatalf("idle connection closed after %v, want within %v", d, within)
		}
	}
	t.Run("NoStream", func(t *testing.T) {
		addr := hostileServer(t, lim, nil)
		p := h2test.Dial(t, addr)
		start := time.Now()
		p.Handshake()
		expectIdleClose(t, p, start)
		wellServed(t, addr)
	})
	t.Run("StreamsEnded", func(t *testing.T) {
		addr := hostileServer(t, lim, nil)
		p := h2test.Dial(t, addr)
		p.Handshake()
		for id := uint32(1); id <= 3; id += 2 {
			if err := p.Request(id, "/ok", true); err != nil {
				t.Fatal(err)
			}
			if status, _ := p.ExpectResponse(id, time.Second); status != "200" {
				t.Fatalf("stream %d: :status %s", id, status)
			}
		}
		expectIdleClose(t, p, time.Now())
		wellServed(t, addr)
	})
	t.Run("OpenStream", func(t *testing.T) {
		entered, release := make(chan struct{}, 1), make(chan struct{})
		var once sync.Once
		addr := hostileServer(t, lim, holdHandler(entered, release))
		t.Cleanup(func() { once.Do(func() { close(release) }) })
		p := h2test.Dial(t, addr)
		p.Handshake()
		if err := p.Request(1, "/hold", true); err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(2 * time.Second):
			t.Fatal("the handler was not called")
		}
		p.ExpectNothingBad(4 * idle)
		once.Do(func() { close(release) })
		if status, _ := p.ExpectResponse(1, time.Second); status != "200" {
			t.Fatalf("the long stream: :status %s", status)
		}
		expectIdleClose(t, p, time.Now())
		wellServed(t, addr)
	})
}

// A client that sends its request and never reads, with windows wide open
// (so only TCP holds the provider back), while the handler writes 64 MiB
// (WriteTimeout 500 ms): the handler's Write fails within a few seconds,
// the connection is closed, the provider's heap stays within 64 MiB.
func TestHostileNeverReads(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	const total = 64 << 20
	werr := make(chan error, 1)
	addr := hostileServer(t, h2.Limits{WriteTimeout: 500 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		w.WriteHeader(http.StatusOK)
		for n := 0; n < total; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				werr <- err
				return
			}
			w.(http.Flusher).Flush()
		}
		werr <- nil
	})
	var p *h2test.Peer
	h2test.HeapGrowthUnder(t, 64<<20, 0, func() {
		p = h2test.Dial(t, addr)
		if tc, ok := p.Conn.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		if err := p.Fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2test.MaxWindow}); err != nil {
			t.Fatal(err)
		}
		if err := p.Fr.WriteWindowUpdate(0, h2test.MaxWindow-65535); err != nil {
			t.Fatal(err)
		}
		if err := p.Request(1, "/flood", true); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		select {
		case err := <-werr:
			if err == nil {
				t.Fatalf("the handler wrote all %d MiB to a client that reads nothing, without an error", total>>20)
			}
			t.Logf("handler's Write failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
		case <-time.After(5 * time.Second):
			t.Fatal("the handler's Write to a client that never reads has not failed within 5 s (WriteTimeout 500 ms)")
		}
	})
	// The connection must be closed. Reading through what the kernel still
	// queues for a 4 KiB receive buffer can stall for longer than the test
	// (zero-window probes back off), so poke it instead: a frame sent to a
	// closed socket is answered with a TCP reset, which the next read sees.
	_ = p.Fr.WritePing(false, [8]byte{})
	p.ExpectClosed(5 * time.Second)
	wellServed(t, addr)
}

// WINDOW_UPDATE taking the connection's send window past 2^31-1:
// GOAWAY(FLOW_CONTROL_ERROR); a stream's: RST_STREAM(FLOW_CONTROL_ERROR)
// and the connection goes on; an increment of 0 on the connection:
// GOAWAY(PROTOCOL_ERROR).
func TestHostileWindowUpdate(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	t.Run("ConnectionOverflow", func(t *testing.T) {
		addr := hostileServer(t, h2.Limits{}, nil)
		p := h2test.Dial(t, addr)
		p.Handshake()
		if err := p.Fr.WriteWindowUpdate(0, h2test.MaxWindow); err != nil {
			t.Fatal(err)
		}
		p.ExpectGoAway(http2.ErrCodeFlowControl, time.Second)
		wellServed(t, addr)
	})
	t.Run("StreamOverflow", func(t *testing.T) {
		addr := hostileServer(t, h2.Limits{}, holdHandler(nil, nil))
		p := h2test.Dial(t, addr)
		p.Handshake()
		if err := p.Request(1, "/hold", false); err != nil {
			t.Fatal(err)
		}
		if err := p.Fr.WriteWindowUpdate(1, h2test.MaxWindow); err != nil {
			t.Fatal(err)
		}
		p.ExpectRST(1, http2.ErrCodeFlowControl, time.Second)
		if err := p.Request(3, "/ok", true); err != nil {
			t.Fatal(err)
		}
		if status, body := p.ExpectResponse(3, time.Second); status != "200" || string(body) != "ok" {
			t.Fatalf("the connection after the stream's overflow: :status %s body %q", status, body)
		}
		wellServed(t, addr)
	})
	t.Run("ZeroIncrement", func(t *testing.T) {
		addr := hostileServer(t, h2.Limits{}, nil)
		p := h2test.Dial(t, addr)
		p.Handshake()
		if err := p.Fr.WriteWindowUpdate(0, 0); err != nil {
			t.Fatal(err)
		}
		p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
		wellServed(t, addr)
	})
}

// 70000 bytes of DATA sent at once on a stream whose receive window is
// 65535 (StreamWindow), to a handler that does not read:
// RST_STREAM(FLOW_CONTROL_ERROR) or GOAWAY(FLOW_CONTROL_ERROR).
func TestHostileDataPastWindow(t *testing.T) {
	h2test.HeapGuard(t, 64<<20)
	addr := hostileServer(t, h2.Limits{StreamWindow: 65535}, holdHandler(nil, nil))
	p := h2test.Dial(t, addr)
	p.Handshake()
	if got, ok := p.PeerSettings[http2.SettingInitialWindowSize]; ok && got != 65535 {
		t.Fatalf("advertised SETTINGS_INITIAL_WINDOW_SIZE %d, want 65535", got)
	}
	if err := p.Request(1, "/hold", false); err != nil {
		t.Fatal(err)
	}
	for left := 70000; left > 0; left -= 16384 {
		if p.Fr.WriteData(1, false, make([]byte, min(left, 16384))) != nil {
			break
		}
	}
	p.ExpectRSTOrGoAway(1, http2.ErrCodeFlowControl, 2*time.Second)
	wellServed(t, addr)
}
