// Package filterchain runs stream filters around the untyped transport
// stream of one call. The public types are re-exported by package filter;
// protocol/streamx creates a Chain per call and puts it in the context, and
// dubbo-go filters registered by package filter add themselves to it.
package filterchain

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// Side tells which end of the call a filter runs on.
type Side int

const (
	// Consumer is the calling side.
	Consumer Side = iota
	// Provider is the serving side.
	Provider
)

func (s Side) String() string {
	if s == Provider {
		return "provider"
	}
	return "consumer"
}

// StreamInfo describes a stream to its filters.
type StreamInfo struct {
	Service string      // interface name
	Method  string      // method name on the wire
	Kind    string      // dubbo-go call type: "unary", "client-stream", "server-stream", "bidi-stream"
	Side    Side        // where the filter runs
	Peer    string      // the other side's address (host:port), when known
	Header  http.Header // request headers (provider) or outgoing headers (consumer); read-only
	Start   time.Time   // when the stream opened
}

// Message is one message as it crosses the wire. Payload is its encoded
// form; filters must not modify it or keep it after the hook returns.
type Message struct {
	Payload []byte
}

// Result is how a stream ended: Err is nil for OK, else an error whose
// status code CodeOf reports.
type Result struct {
	Err error
}

// Code returns the status code of the result.
func (r Result) Code() status.Code { return status.CodeOf(r.Err) }

// Control lets a filter end its stream at any time, from any goroutine (a
// timer, say). End with a *status.Error chooses the code the peer sees.
type Control interface {
	End(err error)
}

// StreamFilter is a per-message filter. Open runs once per stream; an error
// rejects the stream with that error.
type StreamFilter interface {
	Open(ctx context.Context, info *StreamInfo, ctl Control) (Hooks, error)
}

// Hooks observe one stream. OnSend and OnReceive run on the goroutine that
// sends or receives; an error ends the stream with it. OnClose runs exactly
// once when the stream ends, however it ends.
type Hooks interface {
	OnSend(ctx context.Context, msg Message) error
	OnReceive(ctx context.Context, msg Message) error
	OnClose(ctx context.Context, res Result)
}

// Chain collects the filters of one call, in the order dubbo-go runs the
// filters that add them.
type Chain struct {
	mu      sync.Mutex
	filters []StreamFilter
	sealed  bool
}

// ContextKey is the context key of a call's chain, for a context that
// carries it among other values in one node (the provider's call context,
// the consumer's call spec).
type ContextKey struct{}

// FromContext returns the chain of the call whose context ctx is, or nil
// outside a streamx call.
func FromContext(ctx context.Context) *Chain {
	c, _ := ctx.Value(ContextKey{}).(*Chain)
	return c
}

// Add appends f. It reports false if the stream has already opened.
func (c *Chain) Add(f StreamFilter) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sealed {
		return false
	}
	c.filters = append(c.filters, f)
	return true
}

// Len returns how many filters the chain has.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.filters)
}

// Wrap opens the chain's filters on s and returns the filtered stream. With
// no filters it returns s itself. If a filter rejects the stream, the
// filters already opened see OnClose and s is aborted with the error.
func (c *Chain) Wrap(ctx context.Context, s transport.Stream, info *StreamInfo) (transport.Stream, error) {
	if c == nil {
		return s, nil
	}
	c.mu.Lock()
	c.sealed = true
	filters := c.filters
	c.mu.Unlock()
	if len(filters) == 0 {
		return s, nil
	}
	fs := &Stream{Stream: s, ctx: ctx, side: info.Side, opening: true}
	for _, f := range filters {
		h, err := f.Open(ctx, info, fs)
		if err != nil {
			se := status.From(err)
			fs.close(se)
			s.Abort(se)
			return nil, se
		}
		fs.hooks = append(fs.hooks, h)
	}
	// However the stream ends (a read to the end, a failure, a cancel, a
	// reader that stops reading), its context ends, and OnClose runs.
	stop := context.AfterFunc(s.Context(), func() {
		fs.close(causeOf(s.Context()))
	})
	fs.mu.Lock()
	fs.stopWatch = stop // under mu: the watch may already be running close
	fs.opening = false
	pending := fs.pending
	fs.mu.Unlock()
	if pending != nil { // a filter's timer fired while the others opened
		fs.Abort(pending)
	}
	return fs, nil
}

func causeOrNil(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func causeOf(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, io.EOF) {
		return nil
	}
	return status.From(cause)
}

// Stream is a transport stream with filters.
type Stream struct {
	transport.Stream
	ctx   context.Context
	side  Side
	hooks []Hooks // set while opening, read-only after
	once  sync.Once

	mu        sync.Mutex
	opening   bool        // Wrap is still opening filters
	pending   error       // an End that came while opening
	stopWatch func() bool // stops the context watch that runs close
}

// Send runs the OnSend hooks, then sends.
func (s *Stream) Send(payload []byte) error {
	for _, h := range s.hooks {
		if err := h.OnSend(s.ctx, Message{Payload: payload}); err != nil {
			se := status.From(err)
			s.End(se)
			return se
		}
	}
	return s.Stream.Send(payload)
}

// Receive receives, then runs the OnReceive hooks. On a consumer the end
// of the replies is the end of the stream and runs OnClose; on a provider
// the stream ends when the handler returns (Close).
func (s *Stream) Receive() ([]byte, error) {
	b, err := s.Stream.Receive()
	return s.received(b, err)
}

// TryReceive is Receive without blocking (see transport.Stream).
func (s *Stream) TryReceive() ([]byte, bool, error) {
	b, ok, err := s.Stream.TryReceive()
	if !ok {
		return nil, false, nil
	}
	b, err = s.received(b, err)
	return b, true, err
}

func (s *Stream) received(b []byte, err error) ([]byte, error) {
	if err != nil {
		if s.side == Consumer {
			s.close(causeOrNil(err))
		}
		return nil, err
	}
	for _, h := range s.hooks {
		if herr := h.OnReceive(s.ctx, Message{Payload: b}); herr != nil {
			se := status.From(herr)
			s.End(se)
			return nil, se
		}
	}
	return b, nil
}

// Abort ends the stream with err and runs OnClose.
func (s *Stream) Abort(err error) {
	s.Stream.Abort(err)
	s.close(status.From(err))
}

// End implements Control.
func (s *Stream) End(err error) {
	if err == nil {
		err = status.New(status.Canceled, "ended by a filter")
	}
	s.mu.Lock()
	if s.opening {
		if s.pending == nil {
			s.pending = err
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.Abort(err)
}

// Close runs OnClose with the stream's final status, once; the provider
// calls it when the handler has returned.
func (s *Stream) Close(err error) { s.close(err) }

func (s *Stream) close(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		stop := s.stopWatch
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
		res := Result{Err: err}
		for i := len(s.hooks) - 1; i >= 0; i-- {
			s.hooks[i].OnClose(s.ctx, res)
		}
	})
}

// Received runs the OnReceive hooks on a message that arrived before the
// filters were opened (a provider reads the request of a unary or
// server-streaming call before dubbo-go's filters run).
func (s *Stream) Received(payload []byte) error {
	for _, h := range s.hooks {
		if err := h.OnReceive(s.ctx, Message{Payload: payload}); err != nil {
			se := status.From(err)
			s.End(se)
			return se
		}
	}
	return nil
}
