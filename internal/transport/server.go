package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// ServerStream is the provider side of one RPC, on an http.ResponseWriter:
// its life (see life) and its link to the consumer. Writes and Finish are
// safe to call from different goroutines.
type ServerStream struct {
	life
	w        http.ResponseWriter
	r        *http.Request
	rc       http.ResponseController // a value: one allocation less per call
	ctx      context.Context
	cancel   context.CancelFunc
	settings Settings
	codec    string // the codec name of the request's content type
	reader   Reader // by value: one allocation less per call
	gzipOut  bool   // the peer accepts gzip and compression is on

	// dubbo-python ends its writes with one zero-length message; dropEmpty
	// hides it when EOF follows at once.
	dropEmpty    bool
	droppedEmpty bool
	peeked       *received

	mu          sync.Mutex
	wroteHeader bool
	finished    bool
	frame       []byte // on mu: a single reply, written by Finish with the status
	singleReply bool
	out         *batcher    // on mu: Send's queue while it is written and flushed, or the one that failed
	pace        pacer       // on mu
	respHeader  http.Header // on mu: SetHeader's, until the headers are written
	respTrailer http.Header // on mu: SetTrailer's, until Finish
}

// abortDrainTimeout is how long an aborted stream may take to write what
// was already queued.
const abortDrainTimeout = 2 * time.Second

type received struct {
	b   []byte
	err error
}

// Accept checks r as a gRPC request and returns its stream. A non-nil error
// has already been answered to the client. accept reports whether the
// codec named by the content type can serve this method.
func Accept(w http.ResponseWriter, r *http.Request, s Settings, accept func(codec string) bool) (*ServerStream, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "gRPC requires POST", http.StatusMethodNotAllowed)
		return nil, status.Errorf(status.Unimplemented, "method %s", r.Method)
	}
	ct := wire.Get(r.Header, wire.HeaderContentType)
	codec, ok := wire.ParseContentType(ct)
	if !ok || !accept(codec) {
		w.Header().Set("Accept-Post", wire.ContentTypePrefix)
		http.Error(w, "unsupported content-type "+strconv.Quote(ct), http.StatusUnsupportedMediaType)
		return nil, status.Errorf(status.Internal, "unsupported content-type %q", ct)
	}
	if r.ProtoMajor < 2 {
		http.Error(w, "gRPC requires HTTP/2", http.StatusHTTPVersionNotSupported)
		return nil, status.New(status.Internal, "HTTP/1 request")
	}
	ctx, cancel := r.Context(), context.CancelFunc(func() {})
	ss := &ServerStream{w: w, r: r, rc: *http.NewResponseController(w), settings: s, codec: codec}
	ss.link, ss.side = ss, filterchain.Provider
	if raw := wire.Get(r.Header, wire.HeaderTimeout); raw != "" {
		d, err := wire.DecodeTimeout(raw)
		if err != nil {
			ss.ctx, ss.cancel = ctx, cancel
			se := status.Wrap(status.InvalidArgument, err)
			ss.Finish(se)
			return nil, se
		}
		// A server that applied RequestTimeout gave the request this
		// deadline already (or an earlier one).
		if dl, ok := ctx.Deadline(); !ok || dl.After(time.Now().Add(d)) {
			ctx, cancel = context.WithTimeout(ctx, d)
		}
	}
	ss.ctx, ss.cancel = ctx, cancel
	ss.reader.Init(r.Body, s.MaxRecvBytes, wire.Get(r.Header, wire.HeaderEncoding))
	ss.gzipOut = s.CompressMinBytes >= 0 && acceptsGzip(r.Header)
	ss.dropEmpty = codec == "data"
	return ss, nil
}

// RequestTimeout gives the time a gRPC request may run from its
// grpc-timeout header, for a server that puts the deadline on the
// request's context itself (h2.ServerConfig.Timeout): Accept then needs
// no context of its own. A malformed value gives none; Accept rejects it.
func RequestTimeout(h http.Header) (time.Duration, bool) {
	raw := wire.Get(h, wire.HeaderTimeout)
	if raw == "" {
		return 0, false
	}
	d, err := wire.DecodeTimeout(raw)
	return d, err == nil
}

// Context is done when the client goes away, the deadline
// passes, or the handler has finished.
func (s *ServerStream) Context() context.Context { return s.ctx }

// Header returns the request headers.
func (s *ServerStream) Header() http.Header { return s.r.Header }

// Codec returns the codec name from the request's content type.
func (s *ServerStream) Codec() string { return s.codec }

// Request returns the HTTP request.
func (s *ServerStream) Request() *http.Request { return s.r }

// Trailer implements Stream: a provider reads no trailers.
func (s *ServerStream) Trailer() http.Header { return nil }

func (s *ServerStream) receive() ([]byte, error) {
	b, err := s.pull()
	if err == nil && len(b) == 0 && s.dropEmpty {
		nb, nerr := s.pull()
		if errors.Is(nerr, io.EOF) {
			s.droppedEmpty = true
			return nil, io.EOF
		}
		s.peeked = &received{nb, nerr}
	}
	return b, err
}

// tryReceive leaves an empty message to receive when it may be
// dubbo-python's end marker, which only the next read tells.
func (s *ServerStream) tryReceive() ([]byte, bool, error) {
	if s.peeked != nil || s.aborted.Load() != nil {
		return nil, false, nil
	}
	b, ok := s.reader.Buffered(!s.dropEmpty)
	return b, ok, nil
}

// DroppedEmpty reports whether a read hid a zero-length message right
// before the end (dubbo-python's end-of-writes marker). A unary request
// that is nothing but that message is a legitimately empty request.
func (s *ServerStream) DroppedEmpty() bool { return s.droppedEmpty }

func (s *ServerStream) pull() ([]byte, error) {
	if p := s.peeked; p != nil {
		s.peeked = nil
		return p.b, p.err
	}
	return s.next()
}

func (s *ServerStream) next() ([]byte, error) {
	if se := s.aborted.Load(); se != nil {
		return nil, se
	}
	b, err := s.reader.Next()
	if err == nil || errors.Is(err, io.EOF) {
		return b, err
	}
	if se := s.aborted.Load(); se != nil {
		return nil, se
	}
	var se *status.Error
	if errors.As(err, &se) {
		return nil, se
	}
	return nil, lostPeer(s.ctx, err, "reading the request")
}

// closeSend has nothing to send: the trailers go out in Finish.
func (s *ServerStream) closeSend() error { return nil }

// abort ends the RPC with the status life recorded (see
// life.abortLink), and a pending or later receive returns at once. The status reaches the consumer when the handler
// returns.
func (s *ServerStream) abort(error) {
	se := s.aborted.Load() // life recorded why, first cause first
	s.mu.Lock()
	if s.out != nil && s.out.writing {
		// Messages Send accepted still go out, ahead of the status, but a
		// peer that does not read cannot hold the stream open for long.
		_ = s.rc.SetWriteDeadline(time.Now().Add(abortDrainTimeout))
	}
	s.mu.Unlock()
	s.Finish(se)
	s.cancel()
	_ = s.r.Body.Close() // wakes a handler blocked reading the request
}

func (s *ServerStream) send(payload []byte, buf *[]byte) error {
	return sendQueued(payload, buf, s.queue)
}

// queue is send's queueing (see sendQueued).
func (s *ServerStream) queue(payload []byte, buf *[]byte) (taken bool, run *batcher, err error) {
	if err := checkSendSize(len(payload), s.settings); err != nil {
		return false, nil, err
	}
	compressed := false
	if s.gzipOut && len(payload) >= s.settings.CompressMinBytes {
		if z, err := Gzip(payload); err == nil {
			payload, compressed = z, true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if se := s.aborted.Load(); se != nil {
		return false, nil, se
	}
	if s.finished {
		return false, nil, status.New(status.FailedPrecondition, "send after the stream's status was set")
	}
	if err := s.ctx.Err(); err != nil {
		return false, nil, status.FromContext(s.ctx)
	}
	if s.out != nil && s.out.err != nil {
		return false, nil, lostPeer(s.ctx, s.out.err, "writing the response")
	}
	s.writeHeaderLocked()
	if s.singleReply {
		// The status follows at once: Finish writes both, so that the
		// trailers join the header map the reply's headers came from.
		if s.frame != nil {
			if _, err := s.w.Write(s.frame); err != nil {
				return false, nil, lostPeer(s.ctx, err, "writing the response")
			}
		}
		s.frame = AppendFrame(nil, payload, compressed)
		return false, nil, nil
	}
	if b := s.out; b != nil {
		b.waitRoom(func() bool { return s.finished })
		if b.err != nil {
			return false, nil, lostPeer(s.ctx, b.err, "writing the response")
		}
		if s.finished {
			return false, nil, status.New(status.FailedPrecondition, "send after the stream's status was set")
		}
	}
	inline := false
	if s.out == nil { // none, or the one waited on finished its burst
		s.out = newBatcher(&s.mu, s)
		inline = s.pace.lone()
	}
	if compressed {
		buf = nil // the queue copies the compressed bytes
	}
	if s.out.push(payload, compressed, buf, inline) {
		run = s.out
	}
	return buf != nil, run, nil
}

// vecWriter is a ResponseWriter that writes pieces as one (h2's).
type vecWriter interface {
	WriteVec(pieces [][]byte) (int, error)
}

func (s *ServerStream) writeBatch(pieces [][]byte) error {
	if vw, ok := s.w.(vecWriter); ok {
		if _, err := vw.WriteVec(pieces); err != nil {
			return err
		}
	} else {
		for _, p := range pieces {
			if _, err := s.w.Write(p); err != nil {
				return err
			}
		}
	}
	return s.rc.Flush()
}

func (s *ServerStream) writerIdle() {
	s.out = nil
	s.pace.idle()
}

// SingleReply tells the stream that at most one message precedes the
// status (unary and client-streaming calls), so Send need not flush.
func (s *ServerStream) SingleReply() { s.singleReply = true }

func (s *ServerStream) writeHeaderLocked() {
	if s.wroteHeader {
		return
	}
	s.wroteHeader = true
	h := s.w.Header()
	s.writeUserHeaderLocked(h)
	// Shared values: the response writer only reads them.
	h[wire.HeaderContentType] = wire.ContentTypeValue(s.codec)
	h[wire.HeaderAcceptEncoding] = wire.GzipValue()
	if s.gzipOut {
		h[wire.HeaderEncoding] = wire.GzipValue()
	}
	s.w.WriteHeader(http.StatusOK)
}

// Finish ends the RPC with err's status (nil for OK). Only the first call
// counts; it must happen before the HTTP handler returns.
func (s *ServerStream) Finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	// Queued messages go out before the status.
	drain(&s.out)
	s.finished = true
	if s.out != nil {
		s.out.cond.Broadcast()
	}
	h := s.w.Header()
	if !s.wroteHeader {
		// Trailers-only response: the status rides in the headers.
		s.writeUserHeaderLocked(h)
		s.writeUserTrailerLocked(h, false)
		h[wire.HeaderContentType] = wire.ContentTypeValue(s.codec)
		wire.SetStatus(h, err)
		s.wroteHeader = true
		s.w.WriteHeader(http.StatusOK)
		return
	}
	s.writeUserTrailerLocked(h, true)
	wire.SetTrailerStatus(h, err)
	if s.frame != nil {
		_, _ = s.w.Write(s.frame) // a failure is the connection's: the peer sees it
		s.frame = nil
	}
}

// Release frees the stream's context and waits for its writer; call it
// after Finish, before the HTTP handler returns.
func (s *ServerStream) Release() {
	s.cancel()
	s.mu.Lock()
	out := s.out
	s.mu.Unlock()
	if out != nil {
		out.wg.Wait()
	}
}
