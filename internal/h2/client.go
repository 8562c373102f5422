package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/net/http2/hpack"
)

// Client opens streams to one address over one connection at a time,
// dialled when first needed and again after it fails or the peer sends
// GOAWAY. It is safe for concurrent use.
type Client struct {
	addr    string
	tlsConf *tls.Config
	limits  Limits

	mu      sync.Mutex
	c       *clientConn
	dialing chan struct{} // on mu: closed when the dial under way ends
	closed  bool
}

// New returns a Client for addr (host:port); tlsConf nil means HTTP/2
// without TLS (prior knowledge), as Triple and gRPC use. Its connections
// keep limits (zero fields take the defaults).
func NewClient(addr string, tlsConf *tls.Config, limits Limits) *Client {
	return &Client{addr: addr, tlsConf: tlsConf, limits: limits.WithDefaults()}
}

// errRetry marks a stream refused before it was sent: another connection
// may take it.
var errRetry = fmt.Errorf("connection not usable: %w", ErrNotWritten)

// Open starts a POST to path with the given headers. With fixed not nil,
// fixed is the whole request body and the stream's write side is already
// closed. onResponse is called once with the response headers, or with
// the error that prevented them; the response body reads the stream.
// Cancelling ctx resets the stream. The response's Header and Trailer
// maps may be shared with other responses: read them, do not change them.
func (t *Client) Open(ctx context.Context, path string, h Header, fixed []byte, onResponse func(*http.Response, error)) (*ClientStream, error) {
	return t.open(ctx, path, h, fixed, onResponse, true, nil)
}

// OpenUnwatched is Open for a caller that resets the stream itself
// (CloseWithError) when ctx ends: ctx then stops only what Open waits for
// (a stream slot, flow control for a large fixed body), and the open
// stream costs ctx no watcher.
//
// w, if not nil, is another end of the call (the caller's context), which
// is not watched either: it is checked only while Open waits and while a
// read of the response body waits, and then w.Stop runs, which must end
// the stream (CloseWithError) and ctx. A caller that waits for the
// response headers checks it there itself.
func (t *Client) OpenUnwatched(ctx context.Context, path string, h Header, fixed []byte, onResponse func(*http.Response, error), w Watch) (*ClientStream, error) {
	return t.open(ctx, path, h, fixed, onResponse, false, w)
}

// Header is a request's header fields, names in lower case: Fields, then
// grpc-timeout when Timeout is set, then Extra's. Fields is read only, so
// that requests can share one list of the fields every request sends: a
// unary call then needs no map of its own.
type Header struct {
	Fields  []hpack.HeaderField
	Timeout string
	Extra   http.Header
}

// Watch is an end of a call that OpenUnwatched checks only while the call
// waits.
type Watch interface {
	// Context is done when the call must end.
	Context() context.Context
	// Stop ends the call; it may run more than once, concurrently.
	Stop()
}

func (t *Client) open(ctx context.Context, path string, h Header, fixed []byte, onResponse func(*http.Response, error), watch bool, w Watch) (*ClientStream, error) {
	for attempt := 0; ; attempt++ {
		c, err := t.clientConn(ctx, w)
		if err != nil {
			return nil, err
		}
		s, err := c.open(ctx, t.addr, path, h, fixed, onResponse, watch, w)
		if errors.Is(err, errRetry) && attempt < 2 {
			continue
		}
		return s, err
	}
}

// conn returns the usable connection, dialling it if there is none.
// Concurrent callers share one dial; each waits for it only until its own
// end (ctx, or the call's watch w), so a call never waits past its
// deadline for a dial that another call, with a longer one, started.
func (t *Client) clientConn(ctx context.Context, w Watch) (*clientConn, error) {
	t.mu.Lock()
	c, err := t.readyLocked()
	t.mu.Unlock()
	if c != nil || err != nil {
		return c, err
	}
	// The slow path: the dial, and its waits, end with the call.
	if w != nil {
		var stop func()
		ctx, stop = withCaller(ctx, w.Context())
		defer stop()
	}
	for {
		t.mu.Lock()
		if c, err := t.readyLocked(); c != nil || err != nil {
			t.mu.Unlock()
			return c, err
		}
		if ch := t.dialing; ch != nil {
			t.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, dialErr(ctx, context.Cause(ctx), "no HTTP/2 connection to %s within the deadline", t.addr)
			}
		}
		ch := make(chan struct{})
		t.dialing = ch
		t.mu.Unlock()

		c, err := dial(ctx, t.addr, t.tlsConf, t.limits)

		t.mu.Lock()
		t.dialing = nil
		closed := t.closed
		if err == nil && !closed {
			t.c = c
		}
		close(ch)
		t.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if closed { // Close came while dialling
			c.Close(fmt.Errorf("%w: transport closed", ErrConnClosed))
			return nil, fmt.Errorf("%w: transport closed", ErrConnClosed)
		}
		return c, nil
	}
}

// readyLocked returns the usable connection, or why there can be none, or
// neither when one must be dialled; t.mu is held.
func (t *Client) readyLocked() (*clientConn, error) {
	if t.closed {
		return nil, fmt.Errorf("%w: transport closed", ErrConnClosed)
	}
	if c := t.c; c != nil && c.Usable() {
		return c, nil
	}
	return nil, nil
}

// withCaller returns ctx with caller's deadline if that is earlier, ending
// also when caller is cancelled during the dial (with its cause): a unary
// call's own context is not the caller's (see OpenUnwatched), but its
// dial must end with the caller. A caller already cancelled is left to
// the waits after the dial, which Stop the call as before. stop releases
// it.
func withCaller(ctx, caller context.Context) (context.Context, func()) {
	cancelDl := context.CancelFunc(func() {})
	if dl, ok := caller.Deadline(); ok {
		ctx, cancelDl = context.WithDeadline(ctx, dl)
	}
	if caller.Err() != nil {
		return ctx, cancelDl
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stopWatch := context.AfterFunc(caller, func() { cancel(context.Cause(caller)) })
	return ctx, func() {
		stopWatch()
		cancel(nil)
		cancelDl()
	}
}

// Close closes the connection once its open streams have ended; later
// Opens fail. The close is graceful (Conn.CloseGracefully): it may
// wait for what is buffered to be written, and the connection's reader
// lingers until the provider closes too, for at most a second.
func (t *Client) Close() {
	t.mu.Lock()
	c := t.c
	t.c, t.closed = nil, true
	t.mu.Unlock()
	if c != nil {
		if _, idle := c.StopNewStreams(); idle {
			c.CloseGracefully(fmt.Errorf("%w: transport closed", ErrConnClosed))
		}
	}
}

// open registers a stream and sends its HEADERS (and fixed body).
func (c *clientConn) open(ctx context.Context, authority, path string, h Header, fixed []byte, onResponse func(*http.Response, error), watch bool, w Watch) (*ClientStream, error) {
	s := &ClientStream{c: c, ctx: ctx, onResponse: onResponse, w: w}
	// Wait for a stream slot; a cancelled context stops the wait (watched
	// only when there is a wait: the common case costs no watch).
	ok, err := c.WaitSlot(ctx, func(wake func()) func() { return watchWait(ctx, w, wake) })
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errRetry
	}
	fixedLen := -1
	if fixed != nil {
		fixedLen = len(fixed)
	}
	fits := false
	err = c.write(func() error {
		var ok bool
		if s.id, fits, ok = c.Open(s, fixedLen); !ok {
			return errRetry
		}
		if err := c.encodeHeaders(s.id, authority, path, h, false); err != nil {
			return err
		}
		if fits {
			return c.Framer().WriteData(s.id, true, fixed)
		}
		return nil
	})
	if errors.Is(err, errRetry) {
		return nil, errRetry
	}
	if err != nil {
		// The connection failed with the stream registered: its failure
		// reaches onResponse like any other.
		return s, nil
	}
	if watch {
		stopCtx := context.AfterFunc(ctx, s.resetOnEnd)
		s.mu.Lock()
		finished := s.finished
		if !finished {
			s.stopCtx = stopCtx
		}
		s.mu.Unlock()
		if finished { // the whole exchange is already over
			stopCtx()
		}
	}
	if fixed != nil && !fits {
		// A large fixed body goes through flow control; an unwatched
		// stream is watched while Open waits for it.
		var stop func()
		if !watch {
			stop = watchWait(ctx, w, s.resetOnEnd)
		}
		_, err := s.Write(fixed)
		if err == nil {
			_ = s.Close()
		}
		// On failure the response (or its failure) tells the caller.
		if stop != nil {
			stop()
		}
	}
	return s, nil
}

// watchWait runs wake when ctx ends, and w.Stop (which ends ctx) when w
// is done, until the returned stop is called: the watch of a wait.
func watchWait(ctx context.Context, w Watch, wake func()) (stop func()) {
	stopCtx := context.AfterFunc(ctx, wake)
	if w == nil {
		return func() { stopCtx() }
	}
	stopW := context.AfterFunc(w.Context(), w.Stop)
	return func() {
		stopCtx()
		stopW()
	}
}
