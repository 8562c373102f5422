package filterchain

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

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
