package h2

import (
	"context"
	"time"
)

// streamContext is a stream's request context: the stream itself, seen as
// a context.Context. Most handlers of short calls never wait on their
// context, so it makes no channel, timer or context of its own until
// something asks for Done; before that, Err and Deadline are computed from
// the stream's fields: a context.WithTimeout per request showed in a
// provider's profile under many unary callers.
//
// Done (and deriving a cancelable context, which calls it) makes the inner
// context: context.WithDeadline or WithCancel of the connection's base
// context. From then on Done, Err and Value are the inner context's, so
// that contexts derived from this one register with the inner one directly
// instead of a goroutine each.
type streamContext serverStream

// innerContext is a stream context's materialised context.
type innerContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// The reasons a stream context ended, before it had an inner context.
const (
	ctxLive uint8 = iota
	ctxCanceled
	ctxExpired
)

// epoch anchors stream deadlines, kept as an offset from it (a duration is
// smaller than a time.Time, and the monotonic reading survives).
var epoch = time.Now()

// setDeadline gives the stream's context a deadline d from now.
func (s *serverStream) setDeadline(d time.Duration) {
	// One nanosecond past the epoch at least: zero means no deadline.
	s.deadline = max(time.Since(epoch)+d, 1)
}

// context returns the stream as its request's context.
func (s *serverStream) context() context.Context { return (*streamContext)(s) }

// cancelContext ends the context: Canceled, or DeadlineExceeded if its
// deadline has passed. Safe to call more than once.
func (s *serverStream) cancelContext() {
	s.ctxMu.Lock()
	if s.ctxEnd == ctxLive {
		s.ctxEnd = ctxCanceled
		if s.deadline != 0 && time.Since(epoch) >= s.deadline {
			s.ctxEnd = ctxExpired
		}
	}
	inner := s.ctxInner.Load()
	s.ctxMu.Unlock()
	if inner != nil {
		inner.cancel()
	}
}

func (c *streamContext) Deadline() (time.Time, bool) {
	if c.deadline == 0 {
		return time.Time{}, false
	}
	return epoch.Add(c.deadline), true
}

func (c *streamContext) Done() <-chan struct{} { return c.materialise().Done() }

func (c *streamContext) Err() error {
	if inner := c.ctxInner.Load(); inner != nil {
		return inner.ctx.Err()
	}
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if inner := c.ctxInner.Load(); inner != nil {
		return inner.ctx.Err()
	}
	if c.ctxEnd == ctxLive && c.deadline != 0 && time.Since(epoch) >= c.deadline {
		c.ctxEnd = ctxExpired
	}
	switch c.ctxEnd {
	case ctxCanceled:
		return context.Canceled
	case ctxExpired:
		return context.DeadlineExceeded
	}
	return nil
}

func (c *streamContext) Value(key any) any {
	if inner := c.ctxInner.Load(); inner != nil {
		return inner.ctx.Value(key)
	}
	return c.c.base.Value(key)
}

func (c *streamContext) String() string { return "h2.streamContext" }

// materialise returns the inner context, making it on first use in the
// state the stream context is in.
func (c *streamContext) materialise() context.Context {
	if inner := c.ctxInner.Load(); inner != nil {
		return inner.ctx
	}
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	if inner := c.ctxInner.Load(); inner != nil {
		return inner.ctx
	}
	inner := &innerContext{}
	if c.deadline != 0 {
		// A deadline already past makes it end at once, with
		// DeadlineExceeded.
		inner.ctx, inner.cancel = context.WithDeadline(c.c.base, epoch.Add(c.deadline))
	} else {
		inner.ctx, inner.cancel = context.WithCancel(c.c.base)
	}
	if c.ctxEnd == ctxCanceled {
		inner.cancel()
	}
	c.ctxInner.Store(inner)
	return inner.ctx
}
