package h2server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

var (
	errServerClosed = errors.New("h2server: server closed")
	errConnClosed   = errors.New("h2server: connection closed")
)

const (
	// settingsTimeout bounds the wait for a new connection's preface.
	settingsTimeout = 10 * time.Second
)

// conn is one HTTP/2 connection.
type conn struct {
	srv     *Server
	nc      net.Conn
	tls     *tls.ConnectionState
	handler http.Handler
	base    context.Context
	remote  string
	br      *bufio.Reader
	fr      *http2.Framer
	rd      *h2conn.FrameReader // fr's reader side, with the header decoding

	// w serialises frames and batches them into few writes to nc.
	// Lock order: w, then mu.
	w   *h2conn.Writer
	hdr *responseEncoder // on w

	mu         sync.Mutex
	cond       *sync.Cond // send windows
	streams    map[uint32]*stream
	maxID      uint32 // the highest stream ID the peer opened
	sendWindow int64  // connection send window
	peerWindow int32  // initial stream send window from the peer's SETTINGS
	peerFrame  uint32
	recvWindow int64 // what the peer may still send on the connection
	recvCredit int64 // connection bytes consumed, not yet granted back
	goingAway  bool
	err        error        // why the connection is dead; nil while it lives
	frames     atomic.Int64 // read so far, for Keepalive
	done       chan struct{}
	handlers   sync.WaitGroup

	canon wire.Canon          // the reader's
	urls  map[string]*url.URL // the reader's: see requestURL
}

func newConn(srv *Server, nc net.Conn, tlsState *tls.ConnectionState, h http.Handler) *conn {
	c := &conn{
		srv:        srv,
		nc:         nc,
		tls:        tlsState,
		handler:    h,
		base:       baseContext(nc),
		remote:     nc.RemoteAddr().String(),
		br:         bufio.NewReaderSize(nc, 16<<10),
		streams:    map[uint32]*stream{},
		sendWindow: 65535,
		peerWindow: 65535,
		peerFrame:  16 << 10,
		recvWindow: 65535,
		done:       make(chan struct{}),
	}
	c.cond = sync.NewCond(&c.mu)
	c.w = h2conn.NewWriter(nc)
	c.w.OnError = func(err error) { c.close(fmt.Errorf("%w: writing: %v", errConnClosed, err)) }
	c.fr = http2.NewFramer(c.w.Sink(), c.br)
	c.fr.MaxHeaderListSize = srv.cfg.Limits.MaxHeaderListSize
	c.rd = h2conn.NewFrameReader(c.fr)
	c.fr.SetMaxReadFrameSize(16 << 10)
	c.hdr = newResponseEncoder()
	return c
}

// serve runs the connection: it reads frames until the connection fails or
// has gone away, then waits for its handlers.
func (c *conn) serve(prefaceRead, goAway bool) {
	defer c.handlers.Wait()
	if !prefaceRead {
		_ = c.nc.SetReadDeadline(time.Now().Add(settingsTimeout))
		p := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(c.br, p); err != nil || string(p) != http2.ClientPreface {
			c.close(fmt.Errorf("%w: no HTTP/2 client preface", errConnClosed))
			return
		}
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	cfg := c.srv.cfg
	err := c.write(func() error {
		if err := c.fr.WriteSettings(
			http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: cfg.Limits.MaxConcurrentStreams},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(cfg.Limits.StreamWindow)},
			http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: cfg.Limits.MaxHeaderListSize},
		); err != nil {
			return err
		}
		c.recvWindow = int64(cfg.Limits.ConnWindow)
		return c.fr.WriteWindowUpdate(0, uint32(cfg.Limits.ConnWindow-65535))
	}, true)
	if err != nil {
		return
	}
	if goAway {
		c.goAway()
	}
	go h2conn.Keepalive(c.done, &c.frames, cfg.Limits.KeepaliveInterval, cfg.Limits.KeepaliveTimeout,
		func() error { return c.write(func() error { return c.fr.WritePing(false, h2conn.PingData) }, true) },
		func(err error) { c.close(fmt.Errorf("%w: %v", errConnClosed, err)) })
	c.readLoop()
}

// close fails the connection and every stream on it with err.
func (c *conn) close(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	streams := c.streams
	c.streams = map[uint32]*stream{}
	close(c.done)
	c.cond.Broadcast()
	c.mu.Unlock()
	_ = c.nc.Close()
	for _, s := range streams {
		s.abort(err)
	}
}

// write runs fn with the connection's writer. With flush, the buffer goes
// out now (by this caller, or in the round of a flush already in flight);
// without, fn's frames wait for the next flush. A write error closes the
// connection.
func (c *conn) write(fn func() error, flush bool) error {
	err := c.w.Write(fn, flush)
	if err != nil {
		c.close(fmt.Errorf("%w: writing: %v", errConnClosed, err))
	}
	return err
}

// readLoop reads and dispatches frames until the connection fails.
func (c *conn) readLoop() {
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				// A malformed frame on one stream: reset it, go on.
				c.resetStream(se.StreamID, se.Code, fmt.Errorf("bad frame from the consumer: %v", err))
				continue
			}
			var ce http2.ConnectionError
			if errors.As(err, &ce) {
				c.goAwayError(http2.ErrCode(ce))
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("the consumer closed the connection")
			}
			c.close(fmt.Errorf("%w: %v", errConnClosed, err))
			return
		}
		c.frames.Add(1)
		if err := c.handle(f); err != nil {
			var ce http2.ConnectionError
			if errors.As(err, &ce) {
				c.goAwayError(http2.ErrCode(ce))
			}
			c.close(fmt.Errorf("%w: %v", errConnClosed, err))
			return
		}
	}
}

func (c *conn) stream(id uint32) *stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams[id]
}

func (c *conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if f.IsAck() {
			return nil
		}
		if err := c.applySettings(f); err != nil {
			return err
		}
		return c.write(func() error { return c.fr.WriteSettingsAck() }, true)
	case *h2conn.Headers:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.WindowUpdateFrame:
		c.mu.Lock()
		if f.StreamID == 0 {
			c.sendWindow += int64(f.Increment)
		} else if s := c.streams[f.StreamID]; s != nil {
			s.sendWindow += int64(f.Increment)
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	case *http2.RSTStreamFrame:
		if s := c.stream(f.StreamID); s != nil {
			s.abort(fmt.Errorf("stream reset by the consumer: %v", f.ErrCode))
			c.remove(s)
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			data := f.Data
			return c.write(func() error { return c.fr.WritePing(true, data) }, true)
		}
	case *http2.GoAwayFrame:
		// The consumer opens no more streams; the ones open finish.
	case *http2.PushPromiseFrame:
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	return nil
}

func (c *conn) applySettings(f *http2.SettingsFrame) error {
	tableSize, setTable := uint32(0), false
	c.mu.Lock()
	err := f.ForeachSetting(func(s http2.Setting) error {
		switch s.ID {
		case http2.SettingInitialWindowSize:
			if s.Val > 1<<31-1 {
				return http2.ConnectionError(http2.ErrCodeFlowControl)
			}
			delta := int64(s.Val) - int64(c.peerWindow)
			c.peerWindow = int32(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
			}
		case http2.SettingMaxFrameSize:
			c.peerFrame = s.Val
		case http2.SettingHeaderTableSize:
			tableSize, setTable = s.Val, true
		}
		return nil
	})
	c.cond.Broadcast()
	c.mu.Unlock()
	if setTable { // w before mu is the lock order: not under mu
		_ = c.w.Write(func() error { c.hdr.SetTableSize(tableSize); return nil }, false)
	}
	return err
}

// onHeaders starts a stream, or ends one with its request trailers.
func (c *conn) onHeaders(f *h2conn.Headers) error {
	id := f.StreamID
	if id%2 == 0 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	c.mu.Lock()
	if s := c.streams[id]; s != nil {
		c.mu.Unlock()
		if !f.StreamEnded() {
			c.resetStream(id, http2.ErrCodeProtocol, errors.New("request trailers without END_STREAM"))
			return nil
		}
		s.onEnd()
		return nil
	}
	if id <= c.maxID {
		c.mu.Unlock()
		return nil // a stream that has ended (reset by us, say): ignore
	}
	c.maxID = id
	refuse := c.goingAway || c.err != nil || uint32(len(c.streams)) >= c.srv.cfg.Limits.MaxConcurrentStreams
	c.mu.Unlock()
	if refuse {
		return c.write(func() error { return c.fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) }, true)
	}
	if f.Truncated {
		// Over MaxHeaderListSize: answer 431 as net/http does, and drop
		// the rest of the request.
		return c.write(func() error {
			if err := c.encodeHeaders(id, http.StatusRequestHeaderFieldsTooLarge, nil, nil, true); err != nil {
				return err
			}
			if f.StreamEnded() {
				return nil
			}
			return c.fr.WriteRSTStream(id, http2.ErrCodeNo)
		}, true)
	}
	s, err := c.newStream(f)
	if err != nil {
		return c.write(func() error { return c.fr.WriteRSTStream(id, http2.ErrCodeProtocol) }, true)
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		s.cancelContext()
		return nil
	}
	c.streams[id] = s
	c.handlers.Add(1)
	c.mu.Unlock()
	c.srv.run(s.runHandler)
	return nil
}

func (c *conn) onData(f *http2.DataFrame) error {
	n := int64(f.Length) // padding counts against flow control too
	c.mu.Lock()
	if n > c.recvWindow {
		c.mu.Unlock()
		return http2.ConnectionError(http2.ErrCodeFlowControl)
	}
	c.recvWindow -= n
	s := c.streams[f.StreamID]
	c.mu.Unlock()
	if s == nil {
		if f.StreamID > c.maxID {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		return c.credit(nil, n) // an ended stream: drop the data, grant it back
	}
	s.onData(f.Data(), n)
	if f.StreamEnded() {
		s.onEnd()
	}
	return nil
}

// credit grants n consumed bytes back to the peer, on the connection and
// (with s) on s, once enough have added up; both updates share one write.
func (c *conn) credit(s *stream, n int64) error {
	var connGrant, streamGrant int64
	c.mu.Lock()
	c.recvCredit += n
	if c.recvCredit >= int64(c.srv.cfg.Limits.ConnWindow)/4 {
		connGrant, c.recvCredit = c.recvCredit, 0
		c.recvWindow += connGrant
	}
	c.mu.Unlock()
	if s != nil {
		streamGrant = s.credit(n)
	}
	if connGrant == 0 && streamGrant == 0 {
		return nil
	}
	// The stream's grant first: dubbo-python 3.0.0b1 ends a request early
	// when a connection update wakes it while its stream window is empty.
	return c.write(func() error {
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

// resetStream sends RST_STREAM for id and fails the stream if it is open.
func (c *conn) resetStream(id uint32, code http2.ErrCode, err error) {
	if s := c.stream(id); s != nil {
		s.abort(err)
		c.remove(s)
	}
	_ = c.write(func() error { return c.fr.WriteRSTStream(id, code) }, true)
}

// remove forgets an ended stream; a connection going away closes after
// its last stream.
func (c *conn) remove(s *stream) {
	c.mu.Lock()
	if c.streams[s.id] == s {
		delete(c.streams, s.id)
	}
	last := c.goingAway && len(c.streams) == 0
	c.cond.Broadcast()
	c.mu.Unlock()
	if last {
		c.closeAfterFlush()
	}
}

// goAway sends GOAWAY(NO_ERROR): streams the peer opened so far finish,
// later ones are refused, and the connection closes after the last.
func (c *conn) goAway() {
	c.mu.Lock()
	if c.goingAway || c.err != nil {
		c.mu.Unlock()
		return
	}
	c.goingAway = true
	last := c.maxID
	idle := len(c.streams) == 0
	c.mu.Unlock()
	_ = c.write(func() error { return c.fr.WriteGoAway(last, http2.ErrCodeNo, nil) }, true)
	if idle {
		c.closeAfterFlush()
	}
}

// goAwayError tells the peer why the connection is about to close.
func (c *conn) goAwayError(code http2.ErrCode) {
	c.mu.Lock()
	last := c.maxID
	c.mu.Unlock()
	_ = c.write(func() error { return c.fr.WriteGoAway(last, code, nil) }, true)
}

// closeAfterFlush closes the connection once what is buffered is written.
func (c *conn) closeAfterFlush() {
	_ = c.w.Flush()
	c.close(fmt.Errorf("%w: gone away", errConnClosed))
}

// encodeHeaders writes a HEADERS block (and CONTINUATIONs); the caller is
// writing (in c.w). name picks the keys of h to send and the name each
// goes under; nil sends them all.
func (c *conn) encodeHeaders(id uint32, status int, h http.Header, name func(string) (string, bool), endStream bool) error {
	block := c.hdr.encode(status, h, name)
	c.mu.Lock()
	max := int(c.peerFrame)
	c.mu.Unlock()
	return h2conn.WriteHeaderBlock(c.fr, id, block, max, endStream)
}
