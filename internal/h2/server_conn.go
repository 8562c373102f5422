package h2

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
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

var (
	errServerClosed = errors.New("h2 server: server closed")
	errConnClosed   = errors.New("h2 server: connection closed")
)

// settingsTimeout bounds the wait for a new connection's preface.
const settingsTimeout = 10 * time.Second

// goAwayPrefaceTimeout bounds it once the server is shutting down.
const goAwayPrefaceTimeout = time.Second

// conn is one HTTP/2 connection: the shared engine (Conn) with a
// provider's side of it, which accepts streams and runs their handlers.
type serverConn struct {
	*Conn[*serverStream]
	srv     *Server
	nc      net.Conn
	tls     *tls.ConnectionState
	handler http.Handler
	base    context.Context
	remote  string
	br      *bufio.Reader
	hdr     *responseEncoder // on W

	handlers sync.WaitGroup // each holds a stream slot (TakeSlot) until it returns

	startMu   sync.Mutex
	inPreface bool // on startMu: start is reading the client preface
	started   bool // on startMu: our SETTINGS are out, a GOAWAY may follow
	goAwayDue bool // on startMu: a shutdown came before; start sends the GOAWAY

	canon wire.Canon          // the reader's
	urls  map[string]*url.URL // the reader's: see requestURL
}

func newConn(srv *Server, nc net.Conn, tlsState *tls.ConnectionState, h http.Handler) *serverConn {
	c := &serverConn{
		srv:     srv,
		nc:      nc,
		tls:     tlsState,
		handler: h,
		base:    baseContext(nc),
		remote:  nc.RemoteAddr().String(),
		br:      bufio.NewReaderSize(nc, 16<<10),
		hdr:     newResponseEncoder(),
	}
	c.Conn = NewConn[*serverStream](nc, c.br, srv.cfg.Limits, true, c, errConnClosed)
	return c
}

// serve runs the connection: it reads frames until the connection fails or
// has gone away, then waits for its handlers. The reader runs whatever
// the start did: on a connection that died meanwhile (a graceful shutdown
// may close it any time) it returns at once, closing the socket.
func (c *serverConn) serve(prefaceRead, goAway bool) {
	defer c.handlers.Wait()
	if c.start(prefaceRead, goAway) {
		c.Start()
	}
	c.ReadLoop()
}

// start reads the client preface unless prefaceRead, and sends our
// SETTINGS, then GOAWAY if the server is shutting down (goAway, or a
// Shutdown meanwhile). It reports whether the connection lives.
func (c *serverConn) start(prefaceRead, goAway bool) bool {
	if !prefaceRead {
		c.startMu.Lock()
		c.inPreface = true
		wait := settingsTimeout
		if goAway || c.goAwayDue {
			wait = goAwayPrefaceTimeout
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		c.startMu.Unlock()
		p := make([]byte, len(http2.ClientPreface))
		_, err := io.ReadFull(c.br, p)
		c.startMu.Lock()
		c.inPreface = false
		_ = c.nc.SetReadDeadline(time.Time{})
		c.startMu.Unlock()
		if err != nil || string(p) != http2.ClientPreface {
			c.Close(fmt.Errorf("%w: no HTTP/2 client preface", errConnClosed))
			return false
		}
	}
	lim := c.srv.cfg.Limits
	if c.Write(func() error {
		return c.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: lim.MaxConcurrentStreams})
	}, true) != nil {
		return false
	}
	c.startMu.Lock()
	c.started = true
	goAway = goAway || c.goAwayDue
	c.startMu.Unlock()
	if goAway {
		c.goAway()
	}
	return true
}

// settingsSent reports whether our SETTINGS are out, so that a GOAWAY may
// follow (RFC 9113 3.4: the server's preface is its SETTINGS frame). If
// not, start sends the GOAWAY after them, and waits for the client's
// preface for goAwayPrefaceTimeout at most.
func (c *serverConn) settingsSent() bool {
	c.startMu.Lock()
	defer c.startMu.Unlock()
	if !c.started && !c.goAwayDue {
		c.goAwayDue = true
		if c.inPreface {
			_ = c.nc.SetReadDeadline(time.Now().Add(goAwayPrefaceTimeout))
		}
	}
	return c.started
}

// Headers starts a stream, or ends one with its request trailers.
func (c *serverConn) Headers(f *Headers, s *serverStream, open bool) error {
	id := f.StreamID
	if open {
		if !f.StreamEnded() {
			return StreamError{ID: id, Code: http2.ErrCodeProtocol, Reason: "request trailers without END_STREAM"}
		}
		if err := CheckTrailers(f); err != nil {
			return StreamError{ID: id, Code: http2.ErrCodeProtocol, Reason: err.Error()}
		}
		return s.onEnd()
	}
	if !c.TakeSlot() {
		if err := c.Write(func() error { return c.Framer().WriteRSTStream(id, http2.ErrCodeRefusedStream) }, true); err != nil {
			return err
		}
		return c.CountReset()
	}
	s, err := c.accept(f)
	if s == nil {
		c.ReleaseSlot()
		return err
	}
	c.handlers.Add(1)
	c.srv.run(s.runHandler)
	return nil
}

// accept makes the stream of a request and puts it in the table; a
// stream slot is taken. It returns no stream when no handler is to run:
// a 431 answer, a malformed request, or a dead connection.
func (c *serverConn) accept(f *Headers) (*serverStream, error) {
	id := f.StreamID
	if f.Truncated {
		// Over MaxHeaderListSize: answer 431 as net/http does, and drop
		// the rest of the request.
		return nil, c.Write(func() error {
			if err := c.encodeHeaders(id, http.StatusRequestHeaderFieldsTooLarge, nil, nil, true); err != nil {
				return err
			}
			if f.StreamEnded() {
				return nil
			}
			return c.Framer().WriteRSTStream(id, http2.ErrCodeNo)
		}, true)
	}
	contentLength, err := CheckRequest(f)
	if err != nil {
		return nil, StreamError{ID: id, Code: http2.ErrCodeProtocol, Reason: err.Error()}
	}
	s, err := c.newStream(f, contentLength)
	if err != nil {
		return nil, StreamError{ID: id, Code: http2.ErrCodeProtocol, Reason: err.Error()}
	}
	if !c.Accept(s, id, f.StreamEnded()) {
		s.cancelContext()
		return nil, nil
	}
	return s, nil
}

// Data buffers a request's DATA.
func (c *serverConn) Data(s *serverStream, data []byte, chunk *[]byte, n int64) error {
	return s.onData(data, chunk, n)
}

// End ends a request body.
func (c *serverConn) End(s *serverStream) error { return s.onEnd() }

// Fail ends a stream the consumer or the engine reset.
func (c *serverConn) Fail(s *serverStream, err error) {
	s.abort(err)
	c.remove(s)
}

// GoAway: the consumer opens no more streams; the ones open finish.
func (c *serverConn) GoAway(*http2.GoAwayFrame, []*serverStream, bool) {}

// TableSize applies the consumer's HPACK table size to our encoder.
func (c *serverConn) TableSize(n uint32) { c.hdr.SetTableSize(n) }

// Closed fails the streams of a dead connection.
func (c *serverConn) Closed(err error, streams map[uint32]*serverStream) {
	for _, s := range streams {
		s.abort(err)
	}
}

// Idle closes a connection that has had no stream for a while.
func (c *serverConn) Idle() { c.goAway() }

// OnClosedStream: a consumer that sends on a stream it may no longer use
// gets the error RFC 9113 calls for.
func (c *serverConn) OnClosedStream(err error) error { return err }

// CountsReset: from a consumer, any reset of a live stream is a cancel,
// and counts.
func (c *serverConn) CountsReset(http2.ErrCode, bool) bool { return true }

// resetStream sends RST_STREAM for id and fails the stream if it is open.
func (c *serverConn) resetStream(id uint32, code http2.ErrCode, err error) {
	_, _ = c.ResetStream(id, code, err)
}

// remove forgets an ended stream; a connection going away closes after
// its last stream.
func (c *serverConn) remove(s *serverStream) {
	if c.Remove(s) {
		c.closeAfterFlush()
	}
}

// goAway sends GOAWAY(NO_ERROR): streams the peer opened so far finish,
// later ones are refused, and the connection closes after the last.
func (c *serverConn) goAway() {
	if !c.settingsSent() {
		return
	}
	first, idle := c.StopNewStreams()
	if !first {
		return
	}
	c.SendGoAway(http2.ErrCodeNo, "")
	if idle {
		c.closeAfterFlush()
	}
}

// closeAfterFlush closes the connection once what is buffered is written,
// gracefully: a consumer still sending meanwhile must not reset it (and
// lose the last replies).
func (c *serverConn) closeAfterFlush() {
	c.CloseGracefully(fmt.Errorf("%w: gone away", errConnClosed))
}

// encodeHeaders writes a HEADERS block (and CONTINUATIONs); the caller is
// writing (in W). name picks the keys of h to send and the name each
// goes under; nil sends them all.
func (c *serverConn) encodeHeaders(id uint32, status int, h http.Header, name func(string) (string, bool), endStream bool) error {
	c.Sent()
	return WriteHeaderBlock(c.Framer(), id, c.hdr.encode(status, h, name), c.MaxFrame(), endStream)
}

// flush sends what is buffered.
func (c *serverConn) flush() { _ = c.Write(func() error { return nil }, true) }
