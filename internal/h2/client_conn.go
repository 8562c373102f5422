// The consumer's side (client*.go): gRPC-style streams over one
// connection, written on x/net's framer and hpack.
//
// It replaces net/http's client for streamx calls because that client
// costs every open stream a goroutine holding a send buffer and hands
// each request across two goroutines. Here an open stream has no
// goroutine, so an idle stream costs little heap: one reader goroutine
// per connection
// dispatches frames, and writers write frames themselves, the last writer
// in line flushing for all (so concurrent writes coalesce).

package h2

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/memnet"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// ErrConnClosed is in the chain of errors of streams whose connection
// failed or was closed.
var ErrConnClosed = errors.New("h2 client: connection closed")

// conn is one HTTP/2 connection: the shared engine (Conn) with a
// consumer's side of it, which opens streams.
type clientConn struct {
	*Conn[*ClientStream]
	tls   bool
	hdr   *headerEncoder // on W
	canon wire.Canon     // the reader's

	// The reader's: response header and trailer maps, shared while
	// responses repeat their fields.
	headers, trailers repeated
}

// dialTimeout bounds connecting and the wait for the peer's first
// SETTINGS when the call's context has no earlier deadline.
const dialTimeout = 5 * time.Second

// dial connects to addr and starts the connection's reader. Every wait in
// it (TCP connect, TLS handshake, the peer's first SETTINGS) ends at ctx's
// deadline or dialTimeout, whichever comes first, and when ctx ends.
func dial(ctx context.Context, addr string, tlsConf *tls.Config, lim Limits) (*clientConn, error) {
	nc, inMemory, err := memnet.Dial(ctx, addr)
	if !inMemory {
		d := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, dialErr(ctx, err, "no TCP connection to %s within the deadline", addr)
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
			return nil, dialErr(ctx, err, "no TLS handshake with %s within the deadline", addr)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			_ = nc.Close()
			return nil, fmt.Errorf("TLS peer at %s does not speak HTTP/2 (ALPN %q)", addr, p)
		}
		nc = tc
	}
	c := &clientConn{tls: tlsConf != nil, hdr: newHeaderEncoder()}
	c.Conn = NewConn[*ClientStream](nc, bufio.NewReaderSize(nc, 32<<10), lim, false, c, ErrConnClosed)

	// Preface, SETTINGS and the connection window, in one write.
	err = c.Write(func() error {
		if err := c.WriteClientPreface(); err != nil {
			return err
		}
		return c.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0})
	}, true)
	if err != nil {
		return nil, err
	}
	go c.ReadLoop()
	// Streams wait for the peer's limits (its first SETTINGS), as gRPC
	// clients do: a provider allowing fewer streams than we assume would
	// refuse the extra ones.
	wait, byDeadline := dialTimeout, false
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		wait, byDeadline = time.Until(dl), true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-c.Settled():
	case <-c.Done():
		return nil, c.DeadErr()
	case <-ctx.Done():
		c.Close(fmt.Errorf("%w: %v", ErrConnClosed, context.Cause(ctx)))
		return nil, dialErr(ctx, context.Cause(ctx), "no HTTP/2 SETTINGS from %s within the deadline", addr)
	case <-timer.C:
		if byDeadline { // ctx's deadline, which the timer may beat by a hair
			c.Close(fmt.Errorf("%w: no HTTP/2 SETTINGS from %s within the deadline", ErrConnClosed, addr))
			return nil, status.Errorf(status.DeadlineExceeded, "no HTTP/2 SETTINGS from %s within the deadline", addr)
		}
		c.Close(fmt.Errorf("%w: no HTTP/2 SETTINGS from %s", ErrConnClosed, addr))
		return nil, fmt.Errorf("%s did not answer as an HTTP/2 server within %v", addr, dialTimeout)
	}
	c.Start()
	return c, nil
}

// dialErr is the error of a dial step that failed with err: when ctx's
// deadline ended it (its own, or a cause with DEADLINE_EXCEEDED, such as a
// unary call's timer), a DEADLINE_EXCEEDED status saying what was waited
// for (format, addr); when ctx was cancelled, ctx's cause; else err.
func dialErr(ctx context.Context, err error, format, addr string) error {
	if ctx.Err() == nil {
		return err
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		return status.Errorf(status.DeadlineExceeded, format, addr)
	}
	return cause
}

// write runs fn with the connection's writer, then flushes unless another
// writer is queued behind (it will flush for both).
func (c *clientConn) write(fn func() error) error { return c.Write(fn, true) }

// Headers handles a response's HEADERS: its headers, then its trailers.
func (c *clientConn) Headers(f *Headers, s *ClientStream, open bool) error {
	if open {
		s.onHeaders(f)
	}
	return nil
}

// Data buffers a response's DATA. The engine has given the connection's
// window back on receipt already.
func (c *clientConn) Data(s *ClientStream, data []byte, chunk *[]byte, n int64) error {
	if len(data) > 0 || n > 0 {
		return s.onData(data, chunk, n-int64(len(data)))
	}
	recycleChunk(chunk)
	return nil
}

// End ends a response body.
func (c *clientConn) End(s *ClientStream) error {
	s.onEnd()
	return nil
}

// Fail ends a stream the provider or the engine reset.
func (c *clientConn) Fail(s *ClientStream, err error) { s.fail(err) }

// TableSize applies the provider's HPACK table size to our encoder.
func (c *clientConn) TableSize(n uint32) { c.hdr.SetTableSize(n) }

// Closed fails the streams of a dead connection.
func (c *clientConn) Closed(err error, streams map[uint32]*ClientStream) {
	for _, s := range streams {
		s.fail(err)
	}
}

// Idle: a consumer keeps its idle connections (the provider decides).
func (c *clientConn) Idle() {}

// OnClosedStream ignores the frame: a consumer resets streams all the time
// (cancels, deadlines), and what the provider had sent by then is dropped
// quietly.
func (c *clientConn) OnClosedStream(error) error { return nil }

// CountsReset: a provider that has answered in full and then resets the
// stream with NO_ERROR (RFC 9113 8.1: stop sending, the answer is
// complete) costs nothing; any other reset counts.
func (c *clientConn) CountsReset(code http2.ErrCode, remoteEnded bool) bool {
	return !(code == http2.ErrCodeNo && remoteEnded)
}

// GoAway fails the streams the provider did not take (the engine has
// cut them), and closes the connection once the others are done.
func (c *clientConn) GoAway(f *http2.GoAwayFrame, cut []*ClientStream, idle bool) {
	why := fmt.Sprintf("GOAWAY %v", f.ErrCode)
	if d := f.DebugData(); len(d) > 0 {
		why += fmt.Sprintf(": %.200q", d)
	}
	for _, s := range cut {
		s.fail(fmt.Errorf("%w: the provider is going away (%s) and did not process the call", ErrConnClosed, why))
	}
	if idle {
		c.CloseGracefully(fmt.Errorf("%w: the provider is going away (%s)", ErrConnClosed, why))
	}
}

// remove forgets a finished stream; a connection that is going away
// closes (gracefully) after its last stream.
func (c *clientConn) remove(s *ClientStream) {
	if c.Remove(s) {
		c.CloseGracefully(fmt.Errorf("%w: the provider went away", ErrConnClosed))
	}
}

// ResetCode returns the HTTP/2 error code of a stream reset by the peer.
func ResetCode(err error) (http2.ErrCode, bool) {
	var re ResetError
	if errors.As(err, &re) {
		return re.Code, true
	}
	return 0, false
}

// encodeHeaders writes a request's HEADERS (and CONTINUATION) frames; the
// caller is writing (in W).
func (c *clientConn) encodeHeaders(id uint32, authority, path string, h Header, endStream bool) error {
	scheme := "http"
	if c.tls {
		scheme = "https"
	}
	c.Sent()
	return WriteHeaderBlock(c.Framer(), id, c.hdr.encode(scheme, authority, path, h), c.MaxFrame(), endStream)
}
