package h2

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
)

// Stream is the engine's part of a stream: its windows, whether either
// side has ended, and its received data (Body). Each side's stream type
// holds one and reaches it through the Conn's methods; the engine sets it
// up when the stream opens (Open, Accept).
type Stream struct {
	body Body // guards itself

	// On the Conn's mu.
	id          uint32
	sendWindow  int64 // what we may still send
	recvWindow  int64 // what the peer may still send
	remoteEnded bool  // END_STREAM received
	live        bool  // in the stream table
	localEnded  bool  // we sent END_STREAM
	sendErr     error // why the stream can no longer send (FailSend)
}

// Body is the stream's received data.
func (s *Stream) Body() *Body { return &s.body }

// StreamOf is a side's stream type: a pointer that knows its Stream.
type StreamOf interface {
	comparable
	Core() *Stream
}

// Side is what a provider's and a consumer's connections do differently:
// a provider accepts streams, a consumer opens them. The engine calls it
// from the connection's reader goroutine, without its lock held, after it has
// checked the frame against the stream's state and the flow-control
// windows. An error a method returns (ConnError, StreamError) is handled
// as one the engine found itself.
type Side[S StreamOf] interface {
	// Headers handles a header block. s is the open stream it belongs to
	// (ok); otherwise it opens a stream, which only a provider's peer may
	// (the engine has checked that the id is new and the peer's to use).
	// END_STREAM, if set, is already recorded in s's Stream.
	Headers(f *Headers, s S, ok bool) error
	// Data takes a DATA frame's payload for s; n is its flow-controlled
	// length, padding included. Giving the bytes back to the peer (Credit)
	// is the side's to do, when it sees fit. chunk, if not nil, is the
	// pooled chunk data lies in (a DataChunk's), handed over: the side
	// passes it to the stream's body (Body.PutChunk) or, on every path
	// that drops the data, recycles it (recycleChunk). Otherwise data is
	// valid for the call only.
	Data(s S, data []byte, chunk *[]byte, n int64) error
	// End tells that the peer ended its side of s with a DATA frame.
	End(s S) error
	// Fail ends s with err: the peer reset it (a ResetError), or the
	// engine did and has sent RST_STREAM. The side removes s.
	Fail(s S, err error)
	// GoAway handles the peer's GOAWAY. cut holds the streams we opened
	// that the peer did not take (a consumer's), already out of the
	// stream table; idle tells that no stream is left.
	GoAway(f *http2.GoAwayFrame, cut []S, idle bool)
	// TableSize applies the peer's SETTINGS_HEADER_TABLE_SIZE to the
	// side's header encoder; it runs inside Write, twice for a frame
	// that lowered the size and raised it again (the smallest first).
	TableSize(n uint32)
	// Closed fails the streams the connection had when it died with err.
	Closed(err error, streams map[uint32]S)
	// Idle is called when the connection has had no stream for
	// Limits.IdleTimeout (a provider closes it gracefully).
	Idle()
	// OnClosedStream decides what a DATA or HEADERS frame on a closed
	// stream costs: err is the error RFC 9113 5.1 calls for, and the
	// side returns it, or nil to ignore the frame (a consumer, which
	// resets streams all the time, drops what the provider had sent by
	// then quietly).
	OnClosedStream(err error) error
	// CountsReset reports whether the peer's RST_STREAM with code, on a
	// live stream whose peer side has ended (remoteEnded) or not, counts
	// against Limits.MaxResetsPerSecond.
	CountsReset(code http2.ErrCode, remoteEnded bool) bool
}

// ErrNotWritten marks an error returned by a Write function that did not
// put the connection in doubt (a stream refused before it was sent):
// Write does not close the connection for it.
var ErrNotWritten = errors.New("h2: nothing written")

// ResetError is a stream reset by the peer.
type ResetError struct {
	Code http2.ErrCode
	Peer string // "provider" or "consumer"
}

func (e ResetError) Error() string { return "stream reset by the " + e.Peer + ": " + e.Code.String() }

// Conn is the HTTP/2 connection engine both sides share: the read loop
// and frame dispatch, RFC 9113's stream states, SETTINGS, flow control in
// both directions, PING, RST_STREAM, GOAWAY, and the bounds of Limits
// whatever the peer sends. One reader goroutine runs ReadLoop; any
// goroutine may write frames through Write.
type Conn[S StreamOf] struct {
	lim      Limits
	nc       net.Conn
	fr       *http2.Framer // writes go through w; reads through ReadLoop only
	w        *Writer
	rd       *FrameReader
	side     Side[S]
	server   bool
	peerRole string // the peer's role, for messages
	closed   error  // the side's sentinel, wrapped by every close error

	// mu guards what follows and the engine's fields of every Stream.
	// Lock order: W (Write), then mu, then a Body's.
	mu         sync.Mutex
	cond       sync.Cond // send windows, stream slots, streams ending
	streams    map[uint32]S
	peer       PeerSettings
	sendWindow int64  // the connection's send window
	nextID     uint32 // the next stream id we open (a consumer's)
	err        error  // why the connection is dead; nil while it lives
	goingAway  bool   // no new streams (GOAWAY sent, or received by a consumer)
	slots      uint32 // stream slots taken (see TakeSlot, WaitSlot)
	recvWindow int64  // what the peer may still send on the connection
	recvCredit int64  // bytes taken back from streams, not yet granted
	maxPeerID  uint32 // the highest stream id the peer opened
	got        bool   // the peer's first SETTINGS arrived

	done    chan struct{} // closed when the connection dies
	settled chan struct{} // closed by the peer's first SETTINGS

	// The socket's end (see close): graceful is set with err, on mu; the
	// closer sets halfClosed before it closes shut.
	graceful   bool
	halfClosed bool          // the write side is shut; the reader drains and closes
	lingerEnd  time.Time     // when the reader stops draining
	shut       chan struct{} // closed once the closer is done with the socket

	frames atomic.Int64 // read so far (keepalive)
	sent   atomic.Bool  // DATA or HEADERS sent since the peer's last PING

	// The reader's.
	settingsRate, resetRate rate
	pings                   pings
}

// NewConn returns the engine of a connection over nc, which reads through
// br (a buffered reader over nc). server tells which side this is; closed
// is the side's sentinel error, in the chain of every error that ends
// the connection. lim must have its defaults set.
func NewConn[S StreamOf](nc net.Conn, br io.Reader, lim Limits, server bool, side Side[S], closed error) *Conn[S] {
	c := &Conn[S]{
		lim:        lim,
		nc:         nc,
		side:       side,
		server:     server,
		peerRole:   side0(server),
		closed:     closed,
		streams:    map[uint32]S{},
		peer:       InitialPeerSettings(100),
		sendWindow: 65535,
		recvWindow: 65535,
		nextID:     1,
		done:       make(chan struct{}),
		settled:    make(chan struct{}),
		shut:       make(chan struct{}),
	}
	if server {
		c.nextID = 2 // a provider opens none: every even id stays idle
	}
	c.cond.L = &c.mu
	c.w = NewWriter(nc)
	c.w.OnError = func(err error) { c.Close(fmt.Errorf("%w: writing: %v", closed, err)) }
	c.fr = http2.NewFramer(c.w.Sink(), br)
	c.fr.MaxHeaderListSize = lim.MaxHeaderListSize
	c.fr.SetMaxReadFrameSize(lim.MaxFrameSize)
	c.rd = NewFrameReader(c.fr, br)
	c.rd.MaxContinuations = lim.MaxContinuations
	c.settingsRate.n = lim.MaxSettingsPerSecond
	c.resetRate.n = lim.MaxResetsPerSecond
	c.pings = pings{minInterval: lim.MinPingInterval, maxStrikes: lim.MaxPingStrikes}
	return c
}

// Limits returns the connection's limits.
func (c *Conn[S]) Limits() Limits { return c.lim }

// Framer returns the framer to write frames with, inside Write only.
func (c *Conn[S]) Framer() *http2.Framer { return c.fr }

// WriteClientPreface writes the consumer's connection preface; call it
// inside Write, before anything else.
func (c *Conn[S]) WriteClientPreface() error {
	_, err := io.WriteString(c.w.Sink(), http2.ClientPreface)
	return err
}

// Flush returns once everything written so far is on the connection (or
// the connection failed).
func (c *Conn[S]) Flush() error { return c.w.Flush() }

// Done is closed when the connection dies.
func (c *Conn[S]) Done() <-chan struct{} { return c.done }

// Settled is closed when the peer's first SETTINGS has been applied.
func (c *Conn[S]) Settled() <-chan struct{} { return c.settled }

// side0 names the peer of the given side.
func side0(server bool) string { return side(!server) }

// WriteSettings writes our SETTINGS and opens the connection's receive
// window to Lim.ConnWindow; the caller is in Write. extra adds to the
// settings both sides send.
func (c *Conn[S]) WriteSettings(extra ...http2.Setting) error {
	s := append([]http2.Setting{
		{ID: http2.SettingInitialWindowSize, Val: uint32(c.lim.StreamWindow)},
		{ID: http2.SettingMaxFrameSize, Val: c.lim.MaxFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: c.lim.MaxHeaderListSize},
	}, extra...)
	if err := c.fr.WriteSettings(s...); err != nil {
		return err
	}
	c.mu.Lock()
	c.recvWindow = int64(c.lim.ConnWindow)
	c.mu.Unlock()
	if d := c.lim.ConnWindow - 65535; d > 0 {
		return c.fr.WriteWindowUpdate(0, uint32(d))
	}
	return nil
}

// Start starts the connection's timers (keepalive, idle and write
// timeouts) on a goroutine of their own, until the connection dies.
func (c *Conn[S]) Start() { go c.watch() }

// Close fails the connection and every stream on it with err, once, and
// closes the socket at once. On a connection already closed it does
// nothing: one closing gracefully finishes its linger.
func (c *Conn[S]) Close(err error) { c.close(err, false) }

// CloseGracefully is Close for a connection that has said all it will (its
// GOAWAY sent, or its user done with it): what is buffered goes out first,
// then only the socket's write side closes, and the reader goes on reading
// and discarding what the peer still sends until the peer closes too or
// lingerTime passes, and then closes the socket. A socket closed with the
// peer's data unread, or receiving data after its close, answers with a
// TCP reset, which discards what the peer had not read yet of our last
// frames (a reply, its trailers) and fails the peer's writes in flight.
//
// It blocks until the buffer is written (bounded by Limits.WriteTimeout
// while the connection's timers run, then by lingerTime); a socket without a write side of its own (an
// in-memory pipe) is closed at once. On a connection already closed it
// does nothing, without waiting (a side's Closed may call it). Call it
// outside Write.
func (c *Conn[S]) CloseGracefully(err error) {
	if c.dead() {
		return
	}
	_ = c.w.Flush() // while the write timeout still watches
	c.close(err, true)
}

// lingerTime bounds how long a connection closing gracefully (or after a
// connection error, once its GOAWAY is out) reads what the peer still
// sends, and how long its last write may take.
const lingerTime = time.Second

// close is Close, and CloseGracefully when graceful: it then shuts the
// writer and the socket's write side, and leaves the socket to the
// reader, which drains and closes it (endReading).
func (c *Conn[S]) close(err error, graceful bool) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.graceful = graceful
	streams := c.streams
	c.streams = map[uint32]S{}
	for _, s := range streams {
		s.Core().live = false
	}
	close(c.done)
	c.cond.Broadcast()
	c.mu.Unlock()
	defer close(c.shut)
	c.side.Closed(err, streams)
	if graceful && c.shutWrite(err) {
		return
	}
	_ = c.nc.Close()
}

// shutWrite writes what the writer still holds (within lingerTime), stops
// it, and closes the socket's write side, arming the reader's linger. It
// reports false when the socket must be closed instead.
func (c *Conn[S]) shutWrite(err error) bool {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok {
		return false
	}
	end := time.Now().Add(lingerTime)
	_ = c.nc.SetWriteDeadline(end)
	if c.w.Shut(err) != nil || cw.CloseWrite() != nil {
		return false
	}
	_ = c.nc.SetReadDeadline(end)
	c.mu.Lock()
	c.halfClosed, c.lingerEnd = true, end
	c.mu.Unlock()
	return true
}

// endReading is the reader's last act. On a connection closed gracefully
// it waits for the closer to be done with the socket, then, if the write
// side is shut, reads and discards until the peer closes or the linger
// ends, and closes the socket.
func (c *Conn[S]) endReading() {
	c.mu.Lock()
	graceful := c.graceful
	c.mu.Unlock()
	if !graceful {
		return // closed at once by the closer, or still alive (a reader gone with a panic)
	}
	<-c.shut
	c.mu.Lock()
	linger, end := c.halfClosed, c.lingerEnd
	c.mu.Unlock()
	if linger {
		// Again: a side may have moved the deadline (a provider reading
		// the preface) while the close was under way.
		_ = c.nc.SetReadDeadline(end)
		buf := make([]byte, 4096)
		for {
			if _, err := c.nc.Read(buf); err != nil {
				break
			}
		}
	}
	_ = c.nc.Close()
}

// dead reports whether the connection has died.
func (c *Conn[S]) dead() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Write runs fn with the connection's writer (see Writer.Write). A write
// failure closes the connection; an fn error wrapping ErrNotWritten does
// not.
func (c *Conn[S]) Write(fn func() error, flush bool) error {
	err := c.w.Write(fn, flush)
	if err != nil && !errors.Is(err, ErrNotWritten) {
		c.Close(fmt.Errorf("%w: writing: %v", c.closed, err))
	}
	return err
}

// A BodySender is a stream whose message body WriteBody sends: the side's
// own parts of it.
type BodySender interface {
	// ReserveWindow takes up to n bytes of send window (Reserve, with
	// the side's checks) and returns them and the peer's frame size.
	ReserveWindow(n int) (granted, frame int, err error)
	// BeforeData runs inside each write, ahead of the DATA frames (a
	// provider's response headers go first), or does nothing.
	BeforeData() error
	// WriteFailed returns the error to report for a failed write.
	WriteFailed(err error) error
}

// WriteBody sends the pieces p, one after the other, on stream id as DATA
// frames without END_STREAM, blocking while flow control holds it back,
// at most MaxWrite at a time; flush is Write's. It returns how much went.
// It consumes p (its elements are resliced); the bytes are copied.
func (c *Conn[S]) WriteBody(id uint32, s BodySender, p [][]byte, flush bool) (int, error) {
	left := 0
	for _, q := range p {
		left += len(q)
	}
	written := 0
	for left > 0 {
		n, frame, err := s.ReserveWindow(min(left, MaxWrite))
		if err != nil {
			return written, err
		}
		if frame <= 0 {
			return written, fmt.Errorf("h2: DATA frames of %d bytes", frame)
		}
		if err := c.Write(func() error {
			if err := s.BeforeData(); err != nil {
				return err
			}
			c.Sent()
			c.w.appendData(id, &p, n, frame)
			return nil
		}, flush); err != nil {
			return written, s.WriteFailed(err)
		}
		written += n
		left -= n
	}
	return written, nil
}

// Sent records that a stream sent DATA or HEADERS: the peer's next PING
// is no strike. Call it inside Write.
func (c *Conn[S]) Sent() {
	if !c.sent.Load() {
		c.sent.Store(true)
	}
}

// DeadErr returns why the connection died, or the side's sentinel.
func (c *Conn[S]) DeadErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return c.closed
}

// ReadLoop reads and dispatches frames until the connection dies; it
// stops dispatching as soon as it has, and returns once the socket is
// closed (after the linger of a graceful close). Started on a connection
// already dead, it returns at once, closing the socket if the close left
// that to it: a side runs it whatever happened before.
func (c *Conn[S]) ReadLoop() {
	defer c.endReading()
	for !c.dead() {
		f, err := c.rd.ReadFrame()
		if c.dead() {
			c.rd.Release()
			return // what came after the close is not dispatched
		}
		if err == nil {
			c.frames.Add(1)
			err = c.dispatch(f)
		}
		if err == nil {
			continue
		}
		err = classify(err, c.fr)
		var se StreamError
		if errors.As(err, &se) {
			// A live stream the peer broke counts as a reset; the answer to
			// frames still in flight on one already closed does not.
			open, err := c.ResetStream(se.ID, se.Code, fmt.Errorf("bad frame from the %s: %v", c.peerRole, se.Reason))
			if err == nil && open {
				err = c.CountReset()
			}
			if err != nil {
				c.fail(err)
				return
			}
			continue
		}
		c.fail(err)
		return
	}
}

// fail ends the connection with err, telling the peer why first when err
// is a ConnError.
func (c *Conn[S]) fail(err error) {
	var ce ConnError
	if errors.As(err, &ce) {
		c.SendGoAway(ce.Code, ce.Reason)
		// The GOAWAY must not be lost to a reset before the peer reads
		// why. A peer that does not read holds the flush up until the
		// write timeout closes the connection.
		c.CloseGracefully(fmt.Errorf("%w: %v (sent GOAWAY %v)", c.closed, ce.Reason, ce.Code))
		return
	}
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: the %s closed the connection", c.closed, c.peerRole)
	} else {
		err = fmt.Errorf("%w: %v", c.closed, err)
	}
	c.close(err, false)
}

// SendGoAway sends GOAWAY with code, naming the last stream the peer opened
// that we take (all it opened so far), and flushes (a flush by another
// writer already in flight may take it: it is not on the wire yet when
// SendGoAway returns).
func (c *Conn[S]) SendGoAway(code http2.ErrCode, reason string) {
	c.mu.Lock()
	last := c.maxPeerID
	c.mu.Unlock()
	var debug []byte
	if code != http2.ErrCodeNo {
		debug = []byte(reason)
	}
	_ = c.Write(func() error { return c.fr.WriteGoAway(last, code, debug) }, true)
}

// ResetStream sends RST_STREAM for id with code and fails the stream with
// err if it is open, which it reports.
func (c *Conn[S]) ResetStream(id uint32, code http2.ErrCode, err error) (open bool, werr error) {
	c.mu.Lock()
	s, ok := c.streams[id]
	c.mu.Unlock()
	if ok {
		c.side.Fail(s, err)
	}
	return ok, c.Write(func() error { return c.fr.WriteRSTStream(id, code) }, true)
}

// CountReset counts a reset (the peer's, or ours of a stream the peer
// broke) or a refused stream against Limits.MaxResetsPerSecond: a peer
// that keeps streams churning without letting them run is cut off. The
// reader only.
func (c *Conn[S]) CountReset() error {
	if !c.resetRate.allow() {
		return calm("more than %d stream resets and refusals a second", c.lim.MaxResetsPerSecond)
	}
	return nil
}

// idle reports whether id names a stream not opened yet; mu is held.
func (c *Conn[S]) idle(id uint32) bool {
	if id%2 == 1 == c.server { // the peer's to open
		return id > c.maxPeerID
	}
	return id >= c.nextID
}

// Credit gives n received bytes back to the peer's connection window
// (once a quarter of it has added up) and streamGrant bytes to s's; one
// write sends both, the stream's first (dubbo-python 3.0.0b1 ends a
// request early when a connection update wakes it while its stream window
// is empty). s may be nil when streamGrant is 0.
func (c *Conn[S]) Credit(s *Stream, n, streamGrant int64) error {
	c.mu.Lock()
	connGrant := c.creditLocked(n)
	if streamGrant > 0 {
		s.recvWindow += streamGrant
	}
	c.mu.Unlock()
	if connGrant == 0 && streamGrant == 0 {
		return nil
	}
	return c.Write(func() error {
		if streamGrant > 0 {
			if err := c.fr.WriteWindowUpdate(s.id, uint32(streamGrant)); err != nil {
				return err
			}
		}
		if connGrant > 0 {
			return c.fr.WriteWindowUpdate(0, uint32(connGrant))
		}
		return nil
	}, true)
}

// creditLocked takes n bytes back and returns what is due to the peer's
// connection window (once a quarter of it has added up); mu is held.
func (c *Conn[S]) creditLocked(n int64) int64 {
	c.recvCredit += n
	grant := due(&c.recvCredit, int64(c.lim.ConnWindow))
	c.recvWindow += grant
	return grant
}

// ReadBody is the blocking read of s's body (Body.Read, with its watch),
// giving what it took back to the peer: on the stream once a quarter of
// its window is read, and on the connection (a provider's: a consumer's
// went back on receipt) by Credit's rule.
func (c *Conn[S]) ReadBody(s *Stream, p []byte, watch interface{ Done() <-chan struct{} }) (int, error) {
	n, grant, err := s.body.Read(p, watch)
	if n > 0 {
		var conn int64
		if c.server {
			conn = int64(n)
		}
		if conn > 0 || grant > 0 {
			_ = c.Credit(s, conn, grant)
		}
	}
	return n, err
}

// ReadBodyLent is ReadBody without the copy (see Body.ReadLent).
func (c *Conn[S]) ReadBodyLent(s *Stream, watch interface{ Done() <-chan struct{} }) ([]byte, error) {
	data, grant, err := s.body.ReadLent(watch)
	if n := len(data); n > 0 {
		var conn int64
		if c.server {
			conn = int64(n)
		}
		if conn > 0 || grant > 0 {
			_ = c.Credit(s, conn, grant)
		}
	}
	return data, err
}

// Reserve waits for send window on s and takes up to n bytes of it; it
// also returns the peer's frame size limit. It fails with why s can no
// longer send (see SendErr; check, if not nil, is the side's own reason,
// called with the engine's lock held and so calling none of its
// methods). beforeWait, if not nil, runs once before the first wait,
// without the lock.
func (c *Conn[S]) Reserve(s *Stream, n int, check func() error, beforeWait func()) (int, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if err := c.sendErrLocked(s, check); err != nil {
			return 0, 0, err
		}
		avail := min(c.sendWindow, s.sendWindow, int64(n))
		if avail > 0 {
			c.sendWindow -= avail
			s.sendWindow -= avail
			return int(avail), int(c.peer.MaxFrame), nil
		}
		if beforeWait != nil {
			c.mu.Unlock()
			beforeWait()
			beforeWait = nil
			c.mu.Lock()
			continue
		}
		c.cond.Wait()
	}
}

// MaxFrame returns the peer's frame size limit.
func (c *Conn[S]) MaxFrame() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int(c.peer.MaxFrame)
}

func (c *Conn[S]) dispatch(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.DataFrame:
		return c.onData(f.FrameHeader, f.Data(), nil)
	case *DataChunk:
		err := c.onData(f.FrameHeader, f.Data(), f)
		f.Release() // unless a body took it
		return err
	case *Headers:
		return c.onHeaders(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		if !c.pings.ok(c.sent.Swap(false)) {
			return calm("too many pings")
		}
		data := f.Data
		return c.Write(func() error { return c.fr.WritePing(true, data) }, true)
	case *http2.RSTStreamFrame:
		return c.onReset(f)
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return streamErr(f.StreamID, http2.ErrCodeProtocol, "stream %d depends on itself", f.StreamID)
		}
	case *http2.GoAwayFrame:
		c.onGoAway(f)
	case *http2.PushPromiseFrame:
		return connErr(http2.ErrCodeProtocol, "PUSH_PROMISE although push is disabled")
	}
	return nil // unknown frame types are ignored
}

// onData handles a DATA frame: fh its header, data its payload without
// padding, and dc, if not nil, the DataChunk holding data, whose chunk
// goes to the side when the stream takes the data (left to the caller to
// release otherwise).
func (c *Conn[S]) onData(fh http2.FrameHeader, data []byte, dc *DataChunk) error {
	id, n := fh.StreamID, int64(fh.Length) // padding counts too
	c.mu.Lock()
	if n > c.recvWindow {
		c.mu.Unlock()
		return connErr(http2.ErrCodeFlowControl, "DATA over the connection's receive window")
	}
	c.recvWindow -= n
	s, ok := c.streams[id]
	if !ok {
		idle := c.idle(id)
		c.mu.Unlock()
		if idle {
			return connErr(http2.ErrCodeProtocol, "DATA on idle stream %d", id)
		}
		if err := c.Credit(nil, n, 0); err != nil {
			return err
		}
		return c.side.OnClosedStream(streamErr(id, http2.ErrCodeStreamClosed, "DATA on closed stream %d", id))
	}
	st := s.Core()
	var bad error
	switch {
	case st.remoteEnded:
		bad = streamErr(id, http2.ErrCodeStreamClosed, "DATA after END_STREAM on stream %d", id)
	case n > st.recvWindow:
		bad = streamErr(id, http2.ErrCodeFlowControl, "DATA over stream %d's receive window", id)
	}
	if bad != nil {
		c.mu.Unlock()
		if err := c.Credit(nil, n, 0); err != nil {
			return err
		}
		return bad
	}
	st.recvWindow -= n
	end := fh.Flags.Has(http2.FlagDataEndStream)
	st.remoteEnded = end
	var grant int64
	if !c.server {
		// A consumer gives the connection's window back on receipt (a
		// stream's window bounds what a slow reader holds), under the
		// lock already held.
		grant = c.creditLocked(n)
	}
	c.mu.Unlock()
	if grant > 0 {
		if err := c.Write(func() error { return c.fr.WriteWindowUpdate(0, uint32(grant)) }, true); err != nil {
			return err
		}
	}
	if err := c.side.Data(s, data, dc.Take(), n); err != nil {
		return err
	}
	if end {
		return c.side.End(s)
	}
	return nil
}

func (c *Conn[S]) onHeaders(f *Headers) error {
	id := f.StreamID
	if f.HasPriority() && f.Priority.StreamDep == id {
		return streamErr(id, http2.ErrCodeProtocol, "stream %d depends on itself", id)
	}
	c.mu.Lock()
	s, ok := c.streams[id]
	switch {
	case ok:
		st := s.Core()
		if st.remoteEnded {
			c.mu.Unlock()
			return streamErr(id, http2.ErrCodeStreamClosed, "HEADERS after END_STREAM on stream %d", id)
		}
		st.remoteEnded = f.StreamEnded()
	case !c.idle(id):
		c.mu.Unlock()
		// A closed stream, or one the consumer skipped (RFC 9113 5.1.1).
		return c.side.OnClosedStream(connErr(http2.ErrCodeProtocol, "HEADERS on closed stream %d", id))
	case !c.server || id%2 == 0:
		c.mu.Unlock()
		return connErr(http2.ErrCodeProtocol, "HEADERS on stream %d, which the %s may not open", id, c.peerRole)
	default:
		c.maxPeerID = id // used, even if refused below
	}
	c.mu.Unlock()
	if f.Invalid != nil {
		// The stream is reset; one the peer opened only to be refused
		// counts as a refusal.
		if !ok {
			if err := c.CountReset(); err != nil {
				return err
			}
		}
		return streamErr(id, http2.ErrCodeProtocol, "%v", f.Invalid)
	}
	return c.side.Headers(f, s, ok)
}

func (c *Conn[S]) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	id, inc := f.StreamID, int64(f.Increment) // the framer rejects 0
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == 0 {
		if c.sendWindow+inc > maxWindow {
			return connErr(http2.ErrCodeFlowControl, "WINDOW_UPDATE takes the connection's window over 2^31-1")
		}
		c.sendWindow += inc
	} else if s, ok := c.streams[id]; ok {
		st := s.Core()
		if st.sendWindow+inc > maxWindow {
			return streamErr(id, http2.ErrCodeFlowControl, "WINDOW_UPDATE takes stream %d's window over 2^31-1", id)
		}
		st.sendWindow += inc
	} else if c.idle(id) {
		return connErr(http2.ErrCodeProtocol, "WINDOW_UPDATE on idle stream %d", id)
	}
	c.cond.Broadcast()
	return nil
}

func (c *Conn[S]) onReset(f *http2.RSTStreamFrame) error {
	c.mu.Lock()
	s, ok := c.streams[f.StreamID]
	idle := !ok && c.idle(f.StreamID)
	// A reset of a stream already closed costs nothing; for a live one
	// the side decides.
	counts := ok && c.side.CountsReset(f.ErrCode, s.Core().remoteEnded)
	c.mu.Unlock()
	if idle {
		return connErr(http2.ErrCodeProtocol, "RST_STREAM on idle stream %d", f.StreamID)
	}
	if ok {
		c.side.Fail(s, ResetError{Code: f.ErrCode, Peer: c.peerRole})
	}
	if counts {
		return c.CountReset()
	}
	return nil
}

func (c *Conn[S]) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	if !c.settingsRate.allow() {
		return calm("more than %d SETTINGS frames a second", c.lim.MaxSettingsPerSecond)
	}
	c.mu.Lock()
	c.peer.TableSet = false
	err := f.ForeachSetting(func(set http2.Setting) error {
		delta, err := c.peer.Apply(set, !c.server)
		if err != nil || delta == 0 {
			return err
		}
		for _, s := range c.streams {
			st := s.Core()
			if st.sendWindow+delta > maxWindow {
				return connErr(http2.ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE takes stream %d's window over 2^31-1", st.id)
			}
			st.sendWindow += delta
		}
		return nil
	})
	table, tableMin, setTable := c.peer.TableSize, c.peer.TableMin, c.peer.TableSet
	first := !c.got
	c.got = true
	c.cond.Broadcast()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if err := c.Write(func() error {
		if setTable {
			// A size that went down and up again within the frame: the
			// encoder signals the smallest, then the last (RFC 7541 4.2).
			if tableMin < table {
				c.side.TableSize(tableMin)
			}
			c.side.TableSize(table)
		}
		return c.fr.WriteSettingsAck()
	}, true); err != nil {
		return err
	}
	if first {
		close(c.settled)
	}
	return nil
}
