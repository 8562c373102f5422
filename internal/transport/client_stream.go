package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// ClientStream is the consumer side of one RPC: its life (see life)
// and its link to the provider, one HTTP/2 stream.
type ClientStream struct {
	life
	ctx      context.Context
	cancel   context.CancelCauseFunc
	settings Settings

	// The HTTP/2 stream, once Start opened it; or why there is none (the
	// open failed, or the call was aborted first).
	stMu  sync.Mutex
	st    *h2.ClientStream // on stMu
	stErr error            // on stMu

	// What Start sends; req.Extra is the stream's from NewStream on.
	client *Client
	path   string
	req    h2.Header
	fixed  []byte

	// NewUnary's: its timeout, and its watch of the caller's context.
	timer  *time.Timer
	caller callerWatch

	// send queues frames on out, whose writer moves them into the request
	// body; closeLater: closeSend came while it was writing.
	wmu        sync.Mutex
	out        *batcher // on wmu: while it writes, or once it failed
	pace       pacer    // on wmu
	closeLater bool

	startOnce sync.Once
	ready     chan struct{} // closed when the response headers came or the round trip failed
	resp      *http.Response
	rtErr     error

	reader  Reader // by value: one allocation less per call
	reading bool   // reader reads the response body
	// respRead: the response has been read to its end or failed, so that
	// its trailers are complete (for Trailer, from any goroutine).
	respRead atomic.Bool

	endOnce sync.Once
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

func (w *callerWatch) Stop() { w.s.abort(status.FromContext(w.ctx)) }

// open opens the HTTP/2 stream (Start's work).
func (s *ClientStream) open() {
	var (
		st  *h2.ClientStream
		err error
	)
	if s.fixed != nil { // NewUnary's stream resets itself
		var w h2.Watch
		if s.caller.ctx != nil {
			w = &s.caller
		}
		st, err = s.client.h2.OpenUnwatched(s.ctx, s.path, s.req, s.fixed, s.onResponse, w)
	} else {
		st, err = s.client.h2.Open(s.ctx, s.path, s.req, s.fixed, s.onResponse)
	}
	s.setStream(st, err)
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

// RequestHeader returns the headers the request is sent with, the
// transport's own included, as a map of its own (lower-case names): what
// stream filters are shown.
func (s *ClientStream) RequestHeader() http.Header {
	h := make(http.Header, len(s.req.Fields)+len(s.req.Extra)+1)
	for _, f := range s.req.Fields {
		h[f.Name] = append(h[f.Name], f.Value)
	}
	if s.req.Timeout != "" {
		h["grpc-timeout"] = []string{s.req.Timeout}
	}
	for k, vs := range s.req.Extra {
		h[k] = append(h[k], vs...)
	}
	return h
}

// setStream records what Start's open gave; a stream opened after the
// call was aborted is reset at once.
func (s *ClientStream) setStream(st *h2.ClientStream, err error) {
	s.stMu.Lock()
	if s.stErr != nil {
		s.stMu.Unlock()
		if st != nil {
			_ = st.CloseWithError(s.stErr)
		}
		return
	}
	s.st, s.stErr = st, err
	s.stMu.Unlock()
}

// stream returns the HTTP/2 stream, or why there is none.
func (s *ClientStream) stream() (*h2.ClientStream, error) {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	if s.st == nil && s.stErr == nil {
		return nil, errNotStarted
	}
	return s.st, s.stErr
}

var errNotStarted = status.New(status.Internal, "streamx: the stream has not been started")

// resetStream cancels the HTTP/2 stream with err, or its opening.
func (s *ClientStream) resetStream(err error) {
	s.stMu.Lock()
	st := s.st
	if st == nil && s.stErr == nil {
		s.stErr = err
	}
	s.stMu.Unlock()
	if st != nil {
		_ = st.CloseWithError(err)
	}
}

// Context is done when the call ends or is cancelled.
func (s *ClientStream) Context() context.Context { return s.ctx }

func (s *ClientStream) send(payload []byte, buf *[]byte) error {
	return sendQueued(payload, buf, s.queue)
}

// queue is send's queueing (see sendQueued).
func (s *ClientStream) queue(payload []byte, buf *[]byte) (taken bool, run *batcher, err error) {
	if err := checkSendSize(len(payload), s.settings); err != nil {
		return false, nil, err
	}
	if s.fixed != nil {
		return false, nil, status.New(status.Internal, "streamx: Send on a unary request")
	}
	payload, compressed := s.settings.maybeGzip(payload)
	if compressed {
		buf = nil // the queue copies the compressed bytes
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if b := s.out; b != nil {
		b.waitRoom(func() bool { return false })
		if b.err != nil {
			return false, nil, s.sendError(b.err)
		}
	}
	inline := false
	if s.out == nil { // none, or the one waited on finished its burst
		s.out = newBatcher(&s.wmu, s)
		inline = s.pace.lone()
	}
	if s.out.push(payload, compressed, buf, inline) {
		run = s.out
	}
	return buf != nil, run, nil
}

func (s *ClientStream) writeBatch(pieces [][]byte) error {
	st, err := s.stream()
	if err != nil {
		return err
	}
	_, err = st.WriteVec(pieces)
	return err
}

func (s *ClientStream) writerIdle() {
	s.out = nil
	s.pace.idle()
	if s.closeLater {
		_ = s.endBody()
	}
}

// endBody ends the request body (END_STREAM).
func (s *ClientStream) endBody() error {
	st, err := s.stream()
	if err != nil {
		return err
	}
	return st.Close()
}

func (s *ClientStream) sendError(err error) error {
	if ended := s.final.Load(); ended != nil {
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

// closeSend ends the request body once what send queued has been
// written.
func (s *ClientStream) closeSend() error {
	if s.fixed != nil {
		return nil // a unary request ends with its message
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.out != nil && s.out.writing {
		s.closeLater = true
		return nil
	}
	return s.endBody()
}

// abort cancels the HTTP/2 stream (or its opening) and the call's
// context; the filters' OnClose runs from the context's watch.
func (s *ClientStream) abort(err error) {
	if err == nil {
		err = context.Canceled
	}
	s.cancel(err)
	s.resetStream(err)
	s.Start() // unblocks a receive of a stream that never started
}

// receive returns the next reply, io.EOF after an OK status, or the
// call's failure; life calls it until it returns an error, no more.
func (s *ClientStream) receive() ([]byte, error) {
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
		s.abort(se)
		return nil, s.end(se)
	}
	return nil, s.end(lostPeer(s.ctx, err, "reading the response"))
}

func (s *ClientStream) tryReceive() ([]byte, bool, error) {
	if !s.reading {
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
		if s.caller.ctx != nil { // a unary call's context is its own: ask the caller's
			if err := status.FromContext(s.caller.ctx); err != nil {
				return err
			}
		}
		return lostPeer(s.ctx, s.rtErr, "connecting to the provider")
	}
	resp := s.resp
	if resp.StatusCode != http.StatusOK {
		if wire.GRPCAnswer(resp.Header) {
			// The provider's own status, whatever the HTTP one (Dubbo
			// Java answers 500 when its handler fails before headers).
			se, _ := wire.StatusFrom(resp.Header)
			if se == nil {
				se = status.Errorf(status.Internal, "provider answered HTTP %d with grpc-status 0", resp.StatusCode)
			}
			return se
		}
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

// end records how the call ended (for the sending side too, see
// sendError) and releases the response.
func (s *ClientStream) end(err error) error {
	s.endOnce.Do(func() {
		err = s.setFinal(err)
		s.respRead.Store(true)
		if s.resp != nil {
			_ = s.resp.Body.Close()
		}
		// The RPC is over: stop a send that still waits for flow control,
		// and release the request context.
		s.resetStream(io.ErrClosedPipe)
		s.cancel(err)
		if s.timer != nil {
			s.timer.Stop()
		}
	})
	return err
}

// Answered reports whether the provider answered the call: response
// headers with :status 200, or a gRPC response carrying grpc-status
// whatever its :status (the provider ran the call; it must not be run
// again). Call it only after Receive returned.
func (s *ClientStream) Answered() bool {
	select {
	case <-s.ready:
		return s.resp != nil && (s.resp.StatusCode == http.StatusOK || wire.GRPCAnswer(s.resp.Header))
	default:
		return false
	}
}
