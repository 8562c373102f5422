package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/h2client"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// Client opens streams to one address over one HTTP/2 connection at a
// time. It is safe for concurrent use.
type Client struct {
	h2       *h2client.Transport
	settings Settings
	// What NewUnary sends, made for the last timeout and codec asked and
	// shared by the calls that ask for the same (nobody modifies them):
	// a reference's calls without a deadline of their own send its
	// timeout, a method's calls its codec.
	timeout lastMade[time.Duration, string]
	fields  lastMade[string, []hpack.HeaderField]
}

// lastMade keeps the value made for the last key asked.
type lastMade[K comparable, V any] struct{ p atomic.Pointer[made[K, V]] }

type made[K comparable, V any] struct {
	k K
	v V
}

// get returns the value for k, made by mk unless k was the last key.
func (m *lastMade[K, V]) get(k K, mk func(K) V) V {
	if e := m.p.Load(); e != nil && e.k == k {
		return e.v
	}
	e := &made[K, V]{k, mk(k)}
	m.p.Store(e)
	return e.v
}

// transportFields calls set with every header field the transport sends
// on a request with codec, and its shared value.
func transportFields(codec string, set func(name string, value []string)) {
	set("content-type", wire.ContentTypeValue(codec))
	set("te", trailersValue)
	set("grpc-accept-encoding", wire.GzipValue())
	set("user-agent", userAgentValue)
}

// requestFields returns transportFields as a list.
func requestFields(codec string) []hpack.HeaderField {
	var fields []hpack.HeaderField
	transportFields(codec, func(name string, value []string) {
		fields = append(fields, hpack.HeaderField{Name: name, Value: value[0]})
	})
	return fields
}

// NewClient returns a client for addr (host:port). With tlsConf nil it speaks
// HTTP/2 without TLS (prior knowledge), as Triple does.
func NewClient(addr string, tlsConf *tls.Config, s Settings) *Client {
	return &Client{h2: h2client.New(addr, tlsConf, s.H2), settings: s}
}

// Close closes the connection once its open streams have ended.
func (c *Client) Close() { c.h2.Close() }

// NewStream prepares an RPC on path (/<interface>/<method>) with the given
// request headers and codec name; Start sends it. It does not wait for the
// server: errors from connecting show up on the first Receive (and Send
// fails too). The stream owns header from then on: its names must be
// lower case, and it sets content-type, te, grpc-accept-encoding,
// user-agent and grpc-timeout in it (room for 5 more entries saves the
// map a resize).
func (c *Client) NewStream(ctx context.Context, path string, header http.Header, codec string) *ClientStream {
	ctx, cancel := context.WithCancelCause(ctx)
	s := c.newStream(ctx, cancel, path, codec, nil)
	// The stream takes header (lower-case names, as HTTP/2 sends them) and
	// sets the protocol's own fields in it, with shared values.
	h := header
	if h == nil {
		h = make(http.Header, 5)
	}
	transportFields(codec, func(name string, value []string) { h[name] = value })
	if dl, ok := ctx.Deadline(); ok {
		h["grpc-timeout"] = []string{wire.EncodeTimeout(time.Until(dl))}
	}
	s.req.Extra = h
	// A cancelled call must release a Send waiting for the stream to open.
	context.AfterFunc(ctx, func() { s.pw.CloseWithError(context.Cause(ctx)) })
	return s
}

// NewUnary prepares a call whose only request is payload, which Start
// writes with the request headers (one write when the windows allow): no
// writer goroutine. Send has nothing to add to it. Without a deadline on
// ctx, timeout > 0 bounds the call (DEADLINE_EXCEEDED).
//
// The stream's context is its own, not derived from ctx: the stream
// checks ctx while the call waits (see callerWatch), enforces timeout with
// a timer, and resets itself. That spares a timer context and context
// watchers per call; its Context has no deadline. A ctx already done
// fails the call at once.
func (c *Client) NewUnary(ctx context.Context, path string, header http.Header, codec string, payload []byte, timeout time.Duration) (*ClientStream, error) {
	if err := checkSendSize(len(payload), c.settings); err != nil {
		return nil, err
	}
	done := ctx.Done()
	if done != nil {
		select {
		case <-done:
			return nil, status.FromContext(ctx)
		default:
		}
	}
	payload, compressed := c.settings.maybeGzip(payload)
	fixed := wire.AppendFrame(nil, payload, compressed)
	parent := ctx
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	s := c.newStream(ctx, cancel, path, codec, fixed)
	// The transport's fields go as a shared list: no map per call.
	s.req = h2client.Header{Fields: c.fields.get(codec, requestFields), Extra: header}
	if dl, ok := parent.Deadline(); ok {
		s.req.Timeout = wire.EncodeTimeout(time.Until(dl))
	} else if timeout > 0 {
		s.req.Timeout = c.timeout.get(timeout, wire.EncodeTimeout)
		s.timer = time.AfterFunc(timeout, func() {
			s.Abort(status.Errorf(status.DeadlineExceeded, "no reply within the call's timeout (%v): %w", timeout, context.DeadlineExceeded))
		})
	}
	if done != nil {
		s.caller = callerWatch{s: s, ctx: parent}
	}
	return s, nil
}

// callerWatch is a unary call's watch of its caller's context, checked
// only while the call waits (the caller's own goroutine selects on Done,
// as grpc-go does): registering with the context on every call contends
// when many callers share one context.
type callerWatch struct {
	s   *ClientStream
	ctx context.Context // nil: nothing to watch
}

func (w *callerWatch) Context() context.Context { return w.ctx }

func (w *callerWatch) Stop() { w.s.Abort(status.FromContext(w.ctx)) }

func (c *Client) newStream(ctx context.Context, cancel context.CancelCauseFunc, path, codec string, fixed []byte) *ClientStream {
	s := &ClientStream{
		ctx:      ctx,
		cancel:   cancel,
		settings: c.settings,
		ready:    make(chan struct{}),
		client:   c,
		path:     path,
		fixed:    fixed,
	}
	if fixed == nil {
		// A fixed request has no Send: no queue, and nothing waits for
		// the stream to open.
		s.pw.opened = make(chan struct{})
	}
	return s
}

// open opens the HTTP/2 stream (Start's work).
func (s *ClientStream) open() {
	var (
		st  *h2client.Stream
		err error
	)
	if s.fixed != nil { // NewUnary's stream resets itself
		var w h2client.Watch
		if s.caller.ctx != nil {
			w = &s.caller
		}
		st, err = s.client.h2.OpenUnwatched(s.ctx, s.path, s.req, s.fixed, s.onResponse, w)
	} else {
		st, err = s.client.h2.Open(s.ctx, s.path, s.req, s.fixed, s.onResponse)
	}
	s.pw.open(st, err)
	if err != nil {
		s.rtErr = err
		close(s.ready)
	}
}

// onResponse receives the response headers, or the round trip's failure.
// It runs inside the h2 stream's failure path: it must not call back into
// the stream (a failed stream already refuses writes).
func (s *ClientStream) onResponse(resp *http.Response, err error) {
	s.resp, s.rtErr = resp, err
	close(s.ready)
}

// Shared request header values; nobody modifies them.
var (
	trailersValue  = []string{"trailers"}
	userAgentValue = []string{"streamx-go/0.1"}
)

// lazyBody is the request body's write side, usable before Start has
// opened the HTTP/2 stream: writes wait for it.
type lazyBody struct {
	opened chan struct{}
	once   sync.Once
	st     *h2client.Stream
	err    error
}

func (b *lazyBody) open(st *h2client.Stream, err error) {
	took := false
	b.once.Do(func() {
		b.st, b.err = st, err
		if b.opened != nil {
			close(b.opened)
		}
		took = true
	})
	if !took && st != nil {
		// Closed (aborted) while the stream was opening: reset it now.
		_ = st.CloseWithError(b.err)
	}
}

func (b *lazyBody) Write(p []byte) (int, error) {
	<-b.opened
	if b.st == nil {
		return 0, b.err
	}
	return b.st.Write(p)
}

func (b *lazyBody) Close() error {
	<-b.opened
	if b.st == nil {
		return b.err
	}
	return b.st.Close()
}

// CloseWithError cancels the stream, or its opening.
func (b *lazyBody) CloseWithError(err error) error {
	b.open(nil, err)
	if b.st != nil {
		return b.st.CloseWithError(err)
	}
	return nil
}

// Start sends the request; it runs once, and not at all for a stream
// aborted before it started (whose Receive then reports the abort).
func (s *ClientStream) Start() {
	s.startOnce.Do(func() {
		if s.client == nil || s.ctx.Err() != nil {
			s.rtErr = status.FromContext(s.ctx)
			if s.rtErr == nil {
				s.rtErr = status.New(status.Internal, "stream not started")
			}
			close(s.ready)
			return
		}
		s.open()
	})
}

// ClientStream is the client side of one RPC.
type ClientStream struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	pw       lazyBody
	settings Settings

	// What Start sends; req.Extra is the stream's from NewStream on.
	client *Client
	path   string
	req    h2client.Header
	fixed  []byte

	// NewUnary's: its timeout, and its watch of the caller's context.
	timer  *time.Timer
	caller callerWatch

	// Send queues frames on out, whose writer moves them into the request
	// body; closeSend: CloseSend came while it was writing.
	wmu       sync.Mutex
	out       *batcher // on wmu: while it writes, or once it failed
	closeSend bool

	startOnce sync.Once
	ready     chan struct{} // closed when the response headers came or the round trip failed
	resp      *http.Response
	rtErr     error

	reader  wire.Reader           // by value: one allocation less per call
	reading bool                  // reader reads the response body
	recvErr error                 // sticky once Receive ended; owned by the receiving goroutine
	ended   atomic.Pointer[error] // recvErr, for the sending goroutine

	endOnce sync.Once
}

// Context implements Stream.
func (s *ClientStream) Context() context.Context { return s.ctx }

// Send implements Stream.
func (s *ClientStream) Send(payload []byte) error {
	if err := checkSendSize(len(payload), s.settings); err != nil {
		return err
	}
	if s.fixed != nil {
		return status.New(status.Internal, "streamx: Send on a unary request")
	}
	payload, compressed := s.settings.maybeGzip(payload)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if b := s.out; b != nil {
		b.waitRoom(func() bool { return false })
		if b.err != nil {
			return s.sendError(b.err)
		}
	}
	if s.out == nil { // none, or the one waited on finished its burst
		s.out = newBatcher(&s.wmu, s)
	}
	s.out.push(payload, compressed)
	return nil
}

func (s *ClientStream) writeBatch(batch []byte) error {
	_, err := s.pw.Write(batch)
	return err
}

func (s *ClientStream) writerIdle() {
	s.out = nil
	if s.closeSend {
		_ = s.pw.Close()
	}
}

func (s *ClientStream) sendError(err error) error {
	if ended := s.ended.Load(); ended != nil {
		if errors.Is(*ended, io.EOF) {
			return status.New(status.FailedPrecondition, "send on a stream that has already ended")
		}
		return *ended
	}
	if se := status.FromContext(s.ctx); se != nil {
		return se
	}
	if errors.Is(err, io.ErrClosedPipe) {
		// The provider finished the call while we were still sending.
		return status.New(status.FailedPrecondition, "the provider has already ended the stream; Read returns its status")
	}
	return status.Errorf(status.Unavailable, "the stream ended before the message was sent (Read tells how it ended): %w", err)
}

// CloseSend implements Stream: the request body ends once what Send
// buffered has been written.
func (s *ClientStream) CloseSend() error {
	if s.fixed != nil {
		return nil // a unary request ends with its message
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.out != nil && s.out.writing {
		s.closeSend = true
		return nil
	}
	return s.pw.Close()
}

// Abort implements Stream: it cancels the HTTP/2 stream.
func (s *ClientStream) Abort(err error) {
	if err == nil {
		err = context.Canceled
	}
	s.cancel(err)
	s.pw.CloseWithError(err)
	s.Start() // unblocks a Receive of a stream that never started
}

// Receive implements Stream.
func (s *ClientStream) Receive() ([]byte, error) {
	if s.recvErr != nil {
		return nil, s.recvErr
	}
	if !s.reading {
		if err := s.awaitResponse(); err != nil {
			return nil, s.end(err)
		}
		if !s.reading { // trailers-only success: no messages
			return nil, s.end(io.EOF)
		}
	}
	b, err := s.reader.Next()
	if err == nil {
		return b, nil
	}
	if errors.Is(err, io.EOF) {
		if se, ok := wire.StatusFrom(s.resp.Trailer); ok {
			if se != nil {
				return nil, s.end(se)
			}
			return nil, s.end(io.EOF)
		}
		if se := status.FromContext(s.ctx); se != nil {
			return nil, s.end(se)
		}
		return nil, s.end(status.New(status.Internal, "server ended the stream without a grpc-status trailer"))
	}
	var se *status.Error
	if errors.As(err, &se) {
		// A local framing error (oversized, truncated): the RPC is over.
		s.Abort(se)
		return nil, s.end(se)
	}
	return nil, s.end(lostPeer(s.ctx, err, "reading the response"))
}

// TryReceive implements Stream.
func (s *ClientStream) TryReceive() ([]byte, bool, error) {
	if s.recvErr != nil || !s.reading {
		return nil, false, nil
	}
	b, ok := s.reader.Buffered(true)
	return b, ok, nil
}

// awaitResponse waits for the response headers and checks them.
func (s *ClientStream) awaitResponse() error {
	if s.caller.ctx != nil {
		select {
		case <-s.ready:
		case <-s.caller.ctx.Done():
			s.caller.Stop() // the round trip fails: ready closes
			<-s.ready
		}
	} else {
		<-s.ready
	}
	if s.rtErr != nil {
		var se *status.Error
		if errors.As(s.rtErr, &se) {
			return se
		}
		return lostPeer(s.ctx, s.rtErr, "connecting to the provider")
	}
	resp := s.resp
	if resp.StatusCode != http.StatusOK {
		return status.Errorf(wire.CodeFromHTTP(resp.StatusCode),
			"provider answered HTTP %d (content-type %q)", resp.StatusCode, wire.Get(resp.Header, wire.HeaderContentType))
	}
	if se, ok := wire.StatusFrom(resp.Header); ok { // trailers-only response
		if se != nil {
			return se
		}
		return nil
	}
	if _, ok := wire.ParseContentType(wire.Get(resp.Header, wire.HeaderContentType)); !ok {
		return status.Errorf(status.Internal, "provider answered with content-type %q, not gRPC", wire.Get(resp.Header, wire.HeaderContentType))
	}
	s.reader.Init(resp.Body, s.settings.MaxRecvBytes, wire.Get(resp.Header, wire.HeaderEncoding))
	s.reading = true
	return nil
}

// end records the final result of Receive and releases the response.
func (s *ClientStream) end(err error) error {
	s.recvErr = err
	s.endOnce.Do(func() {
		s.ended.Store(&err)
		if s.resp != nil {
			_ = s.resp.Body.Close()
		}
		// The RPC is over: stop a Send that still waits for flow control,
		// and release the request context.
		s.pw.CloseWithError(io.ErrClosedPipe)
		s.cancel(err)
		if s.timer != nil {
			s.timer.Stop()
		}
	})
	return err
}

// Answered reports whether the provider sent response headers (it received
// the call). Call it only after Receive returned.
func (s *ClientStream) Answered() bool {
	select {
	case <-s.ready:
		return s.resp != nil && s.resp.StatusCode == http.StatusOK
	default:
		return false
	}
}
