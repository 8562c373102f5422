package filterchain

import (
	"context"
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// Adder is the dubbo-go filter of a stream filter or an interceptor
// registered by name (package filter, package streamx): for each streamx
// call it adds the service's or reference's T to the call's chain, which
// the call runs. T is made from the URL (its `params:`) the first time a
// call of that URL needs it, and kept. Outside a streamx call (stock
// Triple) it passes the call through.
type Adder[T any] struct {
	Kind string                       // "filter" or "interceptor", for errors
	Name string                       // its registered name
	Make func(*common.URL) (T, error) // the registered factory
	Add  func(c *Chain, v T)          // puts v in a call's chain

	mu    sync.Mutex
	cache sync.Map // *common.URL -> T
}

// get returns url's T, making it on first use; a factory's error (or a
// factory that makes nothing) is an InvalidArgument naming the filter.
func (a *Adder[T]) get(url *common.URL) (T, error) {
	if v, ok := a.cache.Load(url); ok {
		return v.(T), nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.cache.Load(url); ok {
		return v.(T), nil
	}
	v, err := a.Make(url)
	if err == nil && any(v) == nil {
		err = status.New(status.Internal, "the factory returned none")
	}
	if err != nil {
		var zero T
		return zero, status.Errorf(status.InvalidArgument, "%s %s: %v", a.Kind, a.Name, err)
	}
	a.cache.Store(url, v)
	return v, nil
}

// Invoke implements dubbo-go's filter.Filter.
func (a *Adder[T]) Invoke(ctx context.Context, invoker base.Invoker, inv base.Invocation) result.Result {
	if chain := FromContext(ctx); chain != nil {
		v, err := a.get(invoker.GetURL())
		if err != nil {
			return &result.RPCResult{Err: err}
		}
		a.Add(chain, v)
	}
	return invoker.Invoke(ctx, inv)
}

// OnResponse implements dubbo-go's filter.Filter.
func (a *Adder[T]) OnResponse(_ context.Context, res result.Result, _ base.Invoker, _ base.Invocation) result.Result {
	return res
}
