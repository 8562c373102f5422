package filterchain

import (
	"context"
	"sync"
)

// Chain collects the filters of one call, in the order dubbo-go runs the
// filters that add them.
type Chain struct {
	mu      sync.Mutex
	filters []StreamFilter
	sealed  bool
	// typed are the call's typed interceptors (streamx.Interceptor, which
	// this package cannot name: streamx imports it), in order. They sit
	// above the stream filters: package streamx runs them on decoded
	// messages, which then pass the stream filters as bytes.
	typed []any
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

// Seal closes the chain to new filters (the stream is opening) and returns
// its filters, in order; nil for a nil chain.
func (c *Chain) Seal() []StreamFilter {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
	return c.filters
}

// AddTyped appends a typed interceptor. Unlike Add it works after Seal:
// a unary call's retried attempt runs dubbo-go's filters again after its
// stream filters were sealed, and its typed layer takes the interceptors
// anew (TakeTyped).
func (c *Chain) AddTyped(i any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.typed = append(c.typed, i)
}

// Typed returns the typed interceptors, in order; nil for a nil chain.
// The caller must not modify the result.
func (c *Chain) Typed() []any {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.typed
}

// TakeTyped returns the typed interceptors and empties the list: a unary
// call's next attempt (dubbo-go's cluster retrying) runs the filters
// again, which add them again.
func (c *Chain) TakeTyped() []any {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.typed
	c.typed = nil
	return t
}
