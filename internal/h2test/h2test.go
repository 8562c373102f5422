// Package h2test plays a raw HTTP/2 peer frame by frame, for tests that
// hold a provider or a consumer to its bounds (h2.Limits) against a
// peer that breaks the protocol or floods it. It speaks x/net's Framer
// over a plain TCP connection on loopback and knows nothing of package
// h2, so the tests of its client and its server both use it.
//
// Every wait is bounded: a read runs under a deadline set on the
// connection, and an assertion that fails reports what arrived instead
// (frame type, flags, stream, error code, debug data).
package h2test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// MaxWindow is the largest flow-control window, 2^31-1.
const MaxWindow = 1<<31 - 1

// Peer is one end of an HTTP/2 connection driven by a test: a client
// facing a provider (Dial) or a provider facing a consumer (Accept).
type Peer struct {
	T    testing.TB
	Conn net.Conn
	// Fr reads and writes the frames. AllowIllegalWrites is set, so that
	// a test may send what the protocol forbids (a WINDOW_UPDATE of 0...).
	Fr *http2.Framer
	// PeerSettings holds the settings of the other side's first SETTINGS
	// frame, once a handshake has read it.
	PeerSettings map[http2.SettingID]uint32

	hbuf bytes.Buffer
	henc *hpack.Encoder
}

func newPeer(t testing.TB, nc net.Conn) *Peer {
	p := &Peer{T: t, Conn: nc, Fr: http2.NewFramer(nc, nc)}
	p.Fr.AllowIllegalWrites = true
	p.Fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	p.Fr.MaxHeaderListSize = 64 << 20
	p.henc = hpack.NewEncoder(&p.hbuf)
	t.Cleanup(func() { _ = nc.Close() })
	return p
}

// Dial connects to addr (a provider speaking h2c with prior knowledge)
// and sends the client preface, nothing else: the test sends SETTINGS
// (WriteSettings) or runs Handshake.
func Dial(t testing.TB, addr string) *Peer {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return Client(t, nc)
}

// Client is Dial over a connection of the test's own (an in-memory pipe
// to a provider's ServeConn, say): the client preface, nothing else. nc
// is closed when the test ends.
func Client(t testing.TB, nc net.Conn) *Peer {
	t.Helper()
	p := newPeer(t, nc)
	p.deadline(5 * time.Second)
	if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
		t.Fatalf("writing the client preface: %v", err)
	}
	return p
}

// Handshake sends SETTINGS with the given settings, then reads until it
// has the other side's SETTINGS (acknowledged) and the ACK of its own,
// within 5 s. The other side's settings are kept in PeerSettings. It
// fails the test if that does not happen (see TryHandshake).
func (p *Peer) Handshake(settings ...http2.Setting) {
	p.T.Helper()
	if err := p.TryHandshake(settings...); err != nil {
		p.T.Fatal(err)
	}
}

// TryHandshake is Handshake returning why it failed, with the frames
// read before.
func (p *Peer) TryHandshake(settings ...http2.Setting) error {
	if err := p.Fr.WriteSettings(settings...); err != nil {
		return fmt.Errorf("handshake: writing SETTINGS: %v", err)
	}
	var seen []string
	for gotTheirs, acked := false, false; !gotTheirs || !acked; {
		f, err := p.Next(5 * time.Second)
		if err != nil {
			return fmt.Errorf("handshake: %s; frames before: [%s]", describeErr(err), strings.Join(seen, ", "))
		}
		seen = append(seen, Describe(f))
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				acked = true
				continue
			}
			if !gotTheirs {
				p.PeerSettings = map[http2.SettingID]uint32{}
				_ = f.ForeachSetting(func(s http2.Setting) error { p.PeerSettings[s.ID] = s.Val; return nil })
				gotTheirs = true
			}
			if err := p.Fr.WriteSettingsAck(); err != nil {
				return fmt.Errorf("handshake: writing the SETTINGS ACK: %v; frames before: [%s]", err, strings.Join(seen, ", "))
			}
		case *http2.GoAwayFrame:
			return fmt.Errorf("handshake: got %s; frames before: [%s]", Describe(f), strings.Join(seen[:len(seen)-1], ", "))
		}
	}
	return nil
}

// Listener accepts consumers' connections for a raw provider.
type Listener struct {
	T  testing.TB
	Ln net.Listener
}

// Listen listens on 127.0.0.1, closed when the test ends.
func Listen(t testing.TB) *Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return &Listener{T: t, Ln: ln}
}

// Addr is the listener's host:port.
func (l *Listener) Addr() string { return l.Ln.Addr().String() }

// AcceptConn accepts one TCP connection within the given time and reads
// nothing from it.
func (l *Listener) AcceptConn(within time.Duration) net.Conn {
	l.T.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := l.Ln.Accept(); ch <- res{c, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			l.T.Fatalf("accept: %v", r.err)
		}
		l.T.Cleanup(func() { _ = r.c.Close() })
		return r.c
	case <-time.After(within):
		_ = l.Ln.Close() // ends the Accept above
		l.T.Fatalf("no connection within %v", within)
		return nil
	}
}

// Accept accepts one connection within the given time and reads the
// client preface from it; the test then sends its SETTINGS (WriteSettings)
// or runs ServerHandshake.
func (l *Listener) Accept(within time.Duration) *Peer {
	l.T.Helper()
	return AcceptedPeer(l.T, l.AcceptConn(within))
}

// AcceptedPeer reads the client preface from nc, within 5 s, and returns a
// Peer on it.
func AcceptedPeer(t testing.TB, nc net.Conn) *Peer {
	t.Helper()
	p := newPeer(t, nc)
	p.deadline(5 * time.Second)
	buf := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != http2.ClientPreface {
		t.Fatalf("client preface: %q, %v", buf, err)
	}
	return p
}

// ServerHandshake sends the provider's SETTINGS, then reads until it has
// the consumer's SETTINGS (acknowledged) and the ACK of its own.
func (p *Peer) ServerHandshake(settings ...http2.Setting) { p.Handshake(settings...) }

func (p *Peer) deadline(d time.Duration) { _ = p.Conn.SetDeadline(time.Now().Add(d)) }

// Next reads one frame, waiting at most within. The error is the read's:
// a timeout (IsTimeout), io.EOF or a reset when the other side closed.
func (p *Peer) Next(within time.Duration) (http2.Frame, error) {
	_ = p.Conn.SetReadDeadline(time.Now().Add(within))
	return p.Fr.ReadFrame()
}

// IsTimeout reports whether err is a read deadline passing.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// Trace is what a read loop saw: each frame described, and how the reading
// ended.
type Trace struct {
	Frames []string
	End    error
}

func (tr *Trace) String() string {
	s := "[" + strings.Join(tr.Frames, ", ") + "]"
	if tr.End != nil {
		s += " then " + describeErr(tr.End)
	}
	return s
}

func describeErr(err error) string {
	switch {
	case IsTimeout(err):
		return "nothing more (read timed out)"
	case errors.Is(err, io.EOF):
		return "connection closed (EOF)"
	}
	return "read error: " + err.Error()
}

// ReadUntil reads frames until match returns true, for at most within in
// all; it returns the matching frame (nil if none came) and the trace of
// everything read, the matching frame last.
func (p *Peer) ReadUntil(within time.Duration, match func(http2.Frame) bool) (http2.Frame, *Trace) {
	end := time.Now().Add(within)
	tr := &Trace{}
	for {
		_ = p.Conn.SetReadDeadline(end)
		f, err := p.Fr.ReadFrame()
		if err != nil {
			tr.End = err
			return nil, tr
		}
		tr.Frames = append(tr.Frames, Describe(f))
		if match(f) {
			return f, tr
		}
	}
}

// ExpectGoAway reads until a GOAWAY arrives within the given time and
// fails the test unless it carries code. Frames before it are skipped (and
// reported on failure).
func (p *Peer) ExpectGoAway(code http2.ErrCode, within time.Duration) *http2.GoAwayFrame {
	p.T.Helper()
	f, tr := p.ReadUntil(within, func(f http2.Frame) bool { _, ok := f.(*http2.GoAwayFrame); return ok })
	if f == nil {
		p.T.Fatalf("want GOAWAY(%v) within %v; got %s", code, within, tr)
		return nil
	}
	ga := f.(*http2.GoAwayFrame)
	if ga.ErrCode != code {
		p.T.Fatalf("want GOAWAY(%v); got %s", code, tr)
	}
	return ga
}

// resetOrGoAway matches an RST_STREAM for stream id, or any GOAWAY.
func resetOrGoAway(id uint32) func(http2.Frame) bool {
	return func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			return f.StreamID == id
		case *http2.GoAwayFrame:
			return true
		}
		return false
	}
}

// ExpectRST reads until an RST_STREAM for stream id arrives within the
// given time and fails the test unless it carries code. A GOAWAY before
// it fails the test.
func (p *Peer) ExpectRST(id uint32, code http2.ErrCode, within time.Duration) *http2.RSTStreamFrame {
	p.T.Helper()
	f, tr := p.ReadUntil(within, resetOrGoAway(id))
	rst, ok := f.(*http2.RSTStreamFrame)
	if !ok || rst.ErrCode != code {
		p.T.Fatalf("want RST_STREAM(stream %d, %v) within %v; got %s", id, code, within, tr)
		return nil
	}
	return rst
}

// ExpectRSTOrGoAway reads until the stream is reset with code, or the
// connection ends with GOAWAY(code), within the given time; anything else
// fails the test. It returns the frame.
func (p *Peer) ExpectRSTOrGoAway(id uint32, code http2.ErrCode, within time.Duration) http2.Frame {
	p.T.Helper()
	f, tr := p.ReadUntil(within, resetOrGoAway(id))
	switch f := f.(type) {
	case *http2.RSTStreamFrame:
		if f.ErrCode == code {
			return f
		}
	case *http2.GoAwayFrame:
		if f.ErrCode == code {
			return f
		}
	}
	p.T.Fatalf("want RST_STREAM(stream %d, %v) or GOAWAY(%v) within %v; got %s", id, code, code, within, tr)
	return nil
}

// ExpectClosed reads (and discards) until the other side closes the
// connection, within the given time; a GOAWAY on the way is fine.
func (p *Peer) ExpectClosed(within time.Duration) {
	p.T.Helper()
	_, tr := p.ReadUntil(within, func(http2.Frame) bool { return false })
	if IsTimeout(tr.End) {
		p.T.Fatalf("want the connection closed within %v; got %s", within, tr)
	}
}

// ExpectNothingBad reads for the given time and fails the test if the
// connection ends (GOAWAY, RST_STREAM, close) meanwhile; other frames are
// returned.
func (p *Peer) ExpectNothingBad(d time.Duration) []http2.Frame {
	p.T.Helper()
	var got []http2.Frame
	f, tr := p.ReadUntil(d, func(f http2.Frame) bool {
		switch f.(type) {
		case *http2.GoAwayFrame, *http2.RSTStreamFrame:
			return true
		}
		got = append(got, f)
		return false
	})
	if f != nil || !IsTimeout(tr.End) {
		p.T.Fatalf("want the connection to go on for %v; got %s", d, tr)
	}
	return got
}

// ExpectResponse reads until stream id ends (a HEADERS or DATA frame with
// END_STREAM), within the given time, and returns the :status of its
// first HEADERS and its body. A reset, GOAWAY or close first fails the test.
func (p *Peer) ExpectResponse(id uint32, within time.Duration) (status string, body []byte) {
	p.T.Helper()
	f, tr := p.ReadUntil(within, func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if f.StreamID == id && status == "" {
				status = f.PseudoValue("status")
			}
			return f.StreamID == id && f.StreamEnded()
		case *http2.DataFrame:
			if f.StreamID == id {
				body = append(body, f.Data()...)
			}
			return f.StreamID == id && f.StreamEnded()
		case *http2.RSTStreamFrame:
			return f.StreamID == id
		case *http2.GoAwayFrame:
			return true
		}
		return false
	})
	switch f.(type) {
	case *http2.MetaHeadersFrame, *http2.DataFrame:
		return status, body
	}
	p.T.Fatalf("want the response of stream %d within %v; got %s", id, within, tr)
	return "", nil
}

// Block encodes header fields, given as name, value pairs, into a header
// block with the peer's HPACK encoder. The block is valid until the next
// Block call.
func (p *Peer) Block(fields ...string) []byte {
	p.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = p.henc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return p.hbuf.Bytes()
}

// RequestBlock is a POST's header block for path, with extra fields.
func (p *Peer) RequestBlock(path string, extra ...string) []byte {
	return p.Block(append([]string{":method", "POST", ":scheme", "http", ":authority", "h2test", ":path", path, "content-type", "application/grpc"}, extra...)...)
}

// Request sends a POST's HEADERS for path on stream id, ending the stream
// when end is set. It returns the write error (a hostile test may write to
// a connection the other side has already closed).
func (p *Peer) Request(id uint32, path string, end bool, extra ...string) error {
	return p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: p.RequestBlock(path, extra...), EndHeaders: true, EndStream: end})
}

// Respond sends a response's HEADERS (:status 200, grpc content type) on
// stream id.
func (p *Peer) Respond(id uint32, end bool, extra ...string) error {
	b := p.Block(append([]string{":status", "200", "content-type", "application/grpc"}, extra...)...)
	return p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: b, EndHeaders: true, EndStream: end})
}

// WriteSplitBlock sends block on stream id as a HEADERS frame and n
// CONTINUATION frames (so n+1 fragments, as even as the block allows; a
// block shorter than n+1 bytes gives empty fragments).
func (p *Peer) WriteSplitBlock(id uint32, block []byte, n int, endStream bool) error {
	size := len(block) / (n + 1)
	frag := func(i int) []byte {
		if i == n {
			return block[min(i*size, len(block)):]
		}
		return block[min(i*size, len(block)):min((i+1)*size, len(block))]
	}
	if err := p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag(0), EndHeaders: n == 0, EndStream: endStream}); err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if err := p.Fr.WriteContinuation(id, i == n, frag(i)); err != nil {
			return err
		}
	}
	return nil
}

// WriteRaw sends one frame as given, header and payload, with no check:
// a frame of any length, type or flags.
func (p *Peer) WriteRaw(t http2.FrameType, flags http2.Flags, stream uint32, payload []byte) error {
	return p.Fr.WriteRawFrame(t, flags, stream, payload)
}

// Describe gives a frame's type, flags, stream and, for the frames that
// carry them, error code, settings, increment, ping data and debug data.
func Describe(f http2.Frame) string {
	h := f.Header()
	s := fmt.Sprintf("%v", h.Type)
	var extra []string
	if h.Flags != 0 {
		extra = append(extra, "flags="+flagNames(h.Type, h.Flags))
	}
	extra = append(extra, fmt.Sprintf("stream=%d", h.StreamID))
	switch f := f.(type) {
	case *http2.GoAwayFrame:
		extra = append(extra, fmt.Sprintf("code=%v last=%d", f.ErrCode, f.LastStreamID))
		if d := f.DebugData(); len(d) > 0 {
			extra = append(extra, fmt.Sprintf("debug=%q", d))
		}
	case *http2.RSTStreamFrame:
		extra = append(extra, fmt.Sprintf("code=%v", f.ErrCode))
	case *http2.SettingsFrame:
		var set []string
		_ = f.ForeachSetting(func(s http2.Setting) error { set = append(set, s.String()); return nil })
		if len(set) > 0 {
			extra = append(extra, strings.Join(set, " "))
		}
	case *http2.WindowUpdateFrame:
		extra = append(extra, fmt.Sprintf("incr=%d", f.Increment))
	case *http2.PingFrame:
		extra = append(extra, fmt.Sprintf("data=%x", f.Data))
	case *http2.DataFrame:
		extra = append(extra, fmt.Sprintf("len=%d", len(f.Data())))
	case *http2.MetaHeadersFrame:
		var fs []string
		for _, hf := range f.Fields {
			v := hf.Value
			if len(v) > 40 {
				v = fmt.Sprintf("%s...(%d bytes)", v[:40], len(v))
			}
			fs = append(fs, hf.Name+"="+v)
		}
		extra = append(extra, "fields="+strings.Join(fs, ","))
		if f.Truncated {
			extra = append(extra, "truncated")
		}
	}
	return s + "(" + strings.Join(extra, " ") + ")"
}

func flagNames(t http2.FrameType, fl http2.Flags) string {
	var names []string
	if fl&0x1 != 0 {
		if t == http2.FrameSettings || t == http2.FramePing {
			names = append(names, "ACK")
		} else {
			names = append(names, "END_STREAM")
		}
	}
	if fl&0x4 != 0 {
		names = append(names, "END_HEADERS")
	}
	if fl&0x8 != 0 {
		names = append(names, "PADDED")
	}
	if fl&0x20 != 0 {
		names = append(names, "PRIORITY")
	}
	if rest := fl &^ 0x2d; rest != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint8(rest)))
	}
	return strings.Join(names, "|")
}

// HeapGrowthUnder runs f, then keeps watching until at least d has passed
// since it began, sampling the heap every 20 ms; it fails the test if the
// live heap (HeapAlloc) ever went more than limit bytes over what it was
// at the start (measured after runtime.GC). A peer that makes the other
// side spin allocating (a loop on a bad frame, an unbounded queue) shows
// here within d.
func HeapGrowthUnder(t testing.TB, limit uint64, d time.Duration, f func()) {
	t.Helper()
	w := watchHeap()
	func() {
		defer func() {
			if rest := d - time.Since(w.start); rest > 0 && !t.Failed() {
				time.Sleep(rest) // the observation period itself: nothing to await
			}
		}()
		f()
	}()
	if err := w.stop(limit); err != nil {
		t.Fatal(err)
	}
}

// heapWatch samples the live heap every 20 ms from its start.
type heapWatch struct {
	base, peak uint64 // peak is the sampler's until stop
	start      time.Time
	quit, done chan struct{}
}

// watchHeap starts a watch, its base taken after runtime.GC.
func watchHeap() *heapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &heapWatch{base: ms.HeapAlloc, peak: ms.HeapAlloc, start: time.Now(), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			w.peak = max(w.peak, ms.HeapAlloc)
			select {
			case <-w.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// stop ends the watch and reports growth over limit.
func (w *heapWatch) stop(limit uint64) error {
	close(w.quit)
	<-w.done
	if w.peak-w.base > limit {
		return fmt.Errorf("heap grew by %d MiB (from %d to %d MiB) within %v; limit %d MiB",
			(w.peak-w.base)>>20, w.base>>20, w.peak>>20, time.Since(w.start).Round(time.Millisecond), limit>>20)
	}
	return nil
}

// Eventually polls cond every 5 ms until it holds, for at most within,
// and fails the test with what(), if given, when it does not.
func Eventually(t testing.TB, within time.Duration, cond func() bool, what func() string) {
	t.Helper()
	end := time.Now().Add(within)
	for !cond() {
		if time.Now().After(end) {
			msg := "condition"
			if what != nil {
				msg = what()
			}
			t.Fatalf("%s: not within %v", msg, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Frames returns the bytes build writes with a framer that allows illegal
// writes; block encodes header fields (name, value, ...) into a header
// block with one HPACK encoder for all of build's blocks. For fuzz seeds.
func Frames(build func(fr *http2.Framer, block func(kv ...string) []byte)) []byte {
	var buf, hb bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	fr.AllowIllegalWrites = true
	enc := hpack.NewEncoder(&hb)
	build(fr, func(kv ...string) []byte {
		hb.Reset()
		for i := 0; i+1 < len(kv); i += 2 {
			_ = enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return bytes.Clone(hb.Bytes())
	})
	return buf.Bytes()
}

// HeapGuard watches the live heap (HeapAlloc, sampled every 20 ms) from
// now until the test ends, and fails the test if it ever went more than
// limit bytes over what it was now (after runtime.GC): the bound of
// HeapGrowthUnder for a whole test, in one line at its start.
func HeapGuard(t testing.TB, limit uint64) {
	t.Helper()
	w := watchHeap()
	t.Cleanup(func() {
		if err := w.stop(limit); err != nil {
			t.Error(err)
		}
	})
}
