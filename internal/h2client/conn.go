// Package h2client is the consumer's HTTP/2 transport: gRPC-style streams
// over one connection, written on x/net's framer and hpack.
//
// It replaces net/http's client for streamx calls because that client
// costs every open stream a goroutine holding a 16 KiB send buffer and
// hands each request across two goroutines. Here an open stream has no
// goroutine (4.4 KB of heap per idle stream in the benchmark, everything
// above it included): one reader goroutine per connection
// dispatches frames, and writers write frames themselves, the last writer
// in line flushing for all (so concurrent writes coalesce).
package h2client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// defaultMaxStreams applies until the peer's SETTINGS say otherwise.
const defaultMaxStreams = 100

// ErrConnClosed is in the chain of errors of streams whose connection
// failed or was closed.
var ErrConnClosed = errors.New("h2client: connection closed")

// conn is one HTTP/2 connection.
type conn struct {
	lim h2conn.Limits
	nc  net.Conn
	fr  *http2.Framer
	rd  *h2conn.FrameReader // fr's reader side, with the header decoding
	tls bool

	// w serialises frames and batches them into few writes to nc. Lock
	// order: w, then mu.
	w     *h2conn.Writer
	hdr   *headerEncoder // on w
	canon wire.Canon     // the reader's

	// The reader's: response header and trailer maps, shared while
	// responses repeat their fields.
	headers, trailers repeated

	mu          sync.Mutex
	cond        *sync.Cond // send windows and stream slots
	streams     map[uint32]*Stream
	active      int // stream slots taken: open streams and ones being opened
	nextID      uint32
	sendWindow  int64 // connection send window
	peerWindow  int32 // initial stream send window from the peer's SETTINGS
	peerFrame   uint32
	peerStreams uint32
	goAway      bool
	err         error         // why the connection is dead; nil while it lives
	recvUnacked int           // connection-level bytes received, not yet granted back
	frames      atomic.Int64  // read so far, for Keepalive
	settled     chan struct{} // closed by the peer's first SETTINGS
	gotSettings bool
	done        chan struct{}
}

// dial connects to addr and starts the connection's reader.
func dial(ctx context.Context, addr string, tlsConf *tls.Config, lim h2conn.Limits) (*conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsConf != nil {
		cfg := tlsConf.Clone()
		cfg.NextProtos = []string{"h2"}
		if cfg.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return nil, err
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			_ = nc.Close()
			return nil, fmt.Errorf("TLS peer at %s does not speak HTTP/2 (ALPN %q)", addr, p)
		}
		nc = tc
	}
	c := &conn{
		lim:         lim,
		nc:          nc,
		tls:         tlsConf != nil,
		streams:     map[uint32]*Stream{},
		nextID:      1,
		sendWindow:  65535,
		peerWindow:  65535,
		peerFrame:   16 << 10,
		peerStreams: defaultMaxStreams,
		settled:     make(chan struct{}),
		done:        make(chan struct{}),
	}
	c.cond = sync.NewCond(&c.mu)
	c.w = h2conn.NewWriter(nc)
	c.w.OnError = func(err error) { c.close(fmt.Errorf("%w: writing: %v", ErrConnClosed, err)) }
	c.fr = http2.NewFramer(c.w.Sink(), bufio.NewReaderSize(nc, 32<<10))
	c.fr.MaxHeaderListSize = lim.MaxHeaderListSize
	c.rd = h2conn.NewFrameReader(c.fr)
	c.hdr = newHeaderEncoder()

	// Preface, SETTINGS and the connection window, in one write.
	err = c.w.Write(func() error {
		_, err := io.WriteString(c.w.Sink(), http2.ClientPreface)
		if err == nil {
			err = c.fr.WriteSettings(
				http2.Setting{ID: http2.SettingEnablePush, Val: 0},
				http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(lim.StreamWindow)},
				http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: lim.MaxHeaderListSize},
			)
		}
		if err == nil {
			err = c.fr.WriteWindowUpdate(0, uint32(lim.ConnWindow-65535))
		}
		return err
	}, true)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	go c.readLoop()
	// Streams wait for the peer's limits (its first SETTINGS), as gRPC
	// clients do: a provider allowing fewer streams than we assume would
	// refuse the extra ones.
	select {
	case <-c.settled:
	case <-c.done:
		return nil, c.deadErr()
	case <-ctx.Done():
		c.close(fmt.Errorf("%w: %v", ErrConnClosed, context.Cause(ctx)))
		return nil, context.Cause(ctx)
	case <-time.After(d.Timeout):
		c.close(fmt.Errorf("%w: no HTTP/2 SETTINGS from %s", ErrConnClosed, addr))
		return nil, fmt.Errorf("%s did not answer as an HTTP/2 server within %v", addr, d.Timeout)
	}
	go h2conn.Keepalive(c.done, &c.frames, lim.KeepaliveInterval, lim.KeepaliveTimeout,
		func() error { return c.write(func() error { return c.fr.WritePing(false, h2conn.PingData) }) },
		func(err error) { c.close(fmt.Errorf("%w: %v", ErrConnClosed, err)) })
	return c, nil
}

// usable reports whether new streams may start on c.
func (c *conn) usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err == nil && !c.goAway
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
	c.streams = map[uint32]*Stream{}
	close(c.done)
	c.cond.Broadcast()
	c.mu.Unlock()
	_ = c.nc.Close()
	for _, s := range streams {
		s.fail(err)
	}
}

// write runs fn with the connection's writer, then flushes unless another
// writer is queued behind (it will flush for both). A write error other
// than a refused open (errRetry) closes the connection.
func (c *conn) write(fn func() error) error {
	err := c.w.Write(fn, true)
	if err != nil && !errors.Is(err, errRetry) {
		c.close(fmt.Errorf("%w: writing: %v", ErrConnClosed, err))
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
				if s := c.stream(se.StreamID); s != nil {
					s.reset(se.Code, fmt.Errorf("bad frame from the provider: %v", err))
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("the provider closed the connection")
			}
			c.close(fmt.Errorf("%w: %v", ErrConnClosed, err))
			return
		}
		c.frames.Add(1)
		if err := c.handle(f); err != nil {
			c.close(fmt.Errorf("%w: %v", ErrConnClosed, err))
			return
		}
	}
}

func (c *conn) stream(id uint32) *Stream {
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
		return c.write(func() error { return c.fr.WriteSettingsAck() })
	case *h2conn.Headers:
		if s := c.stream(f.StreamID); s != nil {
			s.onHeaders(f)
		}
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
			s.fail(resetError{f.ErrCode})
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			data := f.Data
			return c.write(func() error { return c.fr.WritePing(true, data) })
		}
	case *http2.GoAwayFrame:
		c.onGoAway(f)
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
				return errors.New("provider sent an initial window over 2^31-1")
			}
			delta := int64(s.Val) - int64(c.peerWindow)
			c.peerWindow = int32(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
			}
		case http2.SettingMaxFrameSize:
			c.peerFrame = s.Val
		case http2.SettingMaxConcurrentStreams:
			c.peerStreams = s.Val
		case http2.SettingHeaderTableSize:
			tableSize, setTable = s.Val, true
		}
		return nil
	})
	c.cond.Broadcast()
	first := !c.gotSettings
	c.gotSettings = true
	c.mu.Unlock()
	if first {
		close(c.settled)
	}
	if setTable { // w before mu is the lock order: not under mu
		_ = c.w.Write(func() error { c.hdr.SetTableSize(tableSize); return nil }, false)
	}
	return err
}

func (c *conn) onData(f *http2.DataFrame) error {
	n := int(f.Length) // padding counts against flow control too
	c.mu.Lock()
	s := c.streams[f.StreamID]
	c.recvUnacked += n
	grant := 0
	if c.recvUnacked >= int(c.lim.ConnWindow)/4 {
		grant, c.recvUnacked = c.recvUnacked, 0
	}
	c.mu.Unlock()
	if grant > 0 {
		if err := c.write(func() error { return c.fr.WriteWindowUpdate(0, uint32(grant)) }); err != nil {
			return err
		}
	}
	if s == nil {
		return nil // a stream we reset or finished: drop the data
	}
	if data := f.Data(); len(data) > 0 || n > 0 {
		s.onData(data, n-len(data))
	}
	if f.StreamEnded() {
		s.onEnd()
	}
	return nil
}

func (c *conn) onGoAway(f *http2.GoAwayFrame) {
	c.mu.Lock()
	c.goAway = true
	var cut []*Stream
	for id, s := range c.streams {
		if id > f.LastStreamID {
			cut = append(cut, s)
			delete(c.streams, id)
			c.active--
		}
	}
	idle := len(c.streams) == 0
	c.cond.Broadcast()
	c.mu.Unlock()
	for _, s := range cut {
		s.fail(fmt.Errorf("%w: the provider is going away (GOAWAY %v) and did not process the call", ErrConnClosed, f.ErrCode))
	}
	if idle {
		c.close(fmt.Errorf("%w: the provider is going away (GOAWAY %v)", ErrConnClosed, f.ErrCode))
	}
}

// remove forgets a finished stream; a connection that is going away
// closes after its last stream.
func (c *conn) remove(s *Stream) {
	c.mu.Lock()
	if c.streams[s.id] == s {
		delete(c.streams, s.id)
		c.active--
	}
	last := c.goAway && len(c.streams) == 0
	c.cond.Broadcast()
	c.mu.Unlock()
	if last {
		c.close(fmt.Errorf("%w: the provider went away", ErrConnClosed))
	}
}

// resetError is a stream reset by the peer.
type resetError struct{ code http2.ErrCode }

func (e resetError) Error() string { return "stream reset by the provider: " + e.code.String() }

// ResetCode returns the HTTP/2 error code of a stream reset by the peer.
func ResetCode(err error) (http2.ErrCode, bool) {
	var re resetError
	if errors.As(err, &re) {
		return re.code, true
	}
	return 0, false
}

// encodeHeaders writes a request's HEADERS (and CONTINUATION) frames; the
// caller is writing (in c.w).
func (c *conn) encodeHeaders(id uint32, authority, path string, h Header, endStream bool) error {
	scheme := "http"
	if c.tls {
		scheme = "https"
	}
	return h2conn.WriteHeaderBlock(c.fr, id, c.hdr.encode(scheme, authority, path, h), int(c.maxFrame()), endStream)
}

func (c *conn) maxFrame() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerFrame
}
