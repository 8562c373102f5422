package streamx

import (
	"context"
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	dubbofilter "dubbo.apache.org/dubbo-go/v3/filter"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// InterceptorFactory makes the interceptor of one service or reference
// from its URL, whose parameters carry the `params:` of dubbogo.yml. A bad
// parameter is an error naming it.
type InterceptorFactory func(url *common.URL) (Interceptor, error)

// RegisterInterceptor makes an interceptor available under name, as a
// dubbo-go filter: a `filter:` list in dubbogo.yml (or server.WithFilter,
// client.WithFilter) turns it on per service or reference, beside the
// byte-level stream filters of package filter, and the same name check
// (filter.Check) applies. Interceptors run in the order of the list, the
// first outermost: it sees a message sent first and a message received
// last. Call it from an init function; a later registration of a name
// wins, as with dubbo-go's own extensions.
func RegisterInterceptor(name string, f InterceptorFactory) {
	extension.SetFilter(name, func() dubbofilter.Filter { return &interceptorFilter{name: name, factory: f} })
}

// interceptorFilter is the dubbo-go filter of an interceptor: it adds the
// interceptor to the call's chain, which the typed layer runs.
type interceptorFilter struct {
	name    string
	factory InterceptorFactory
	mu      sync.Mutex
	cache   sync.Map // *common.URL -> Interceptor: one per service or reference
}

func (f *interceptorFilter) interceptorFor(url *common.URL) (Interceptor, error) {
	if ic, ok := f.cache.Load(url); ok {
		return ic.(Interceptor), nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ic, ok := f.cache.Load(url); ok {
		return ic.(Interceptor), nil
	}
	ic, err := f.factory(url)
	if err == nil && ic == nil {
		err = status.New(status.Internal, "the factory returned no interceptor")
	}
	if err != nil {
		return nil, status.Errorf(status.InvalidArgument, "interceptor %s: %v", f.name, err)
	}
	f.cache.Store(url, ic)
	return ic, nil
}

// Invoke implements dubbo-go's filter.Filter.
func (f *interceptorFilter) Invoke(ctx context.Context, invoker base.Invoker, inv base.Invocation) result.Result {
	if chain := filterchain.FromContext(ctx); chain != nil {
		ic, err := f.interceptorFor(invoker.GetURL())
		if err != nil {
			return &result.RPCResult{Err: err}
		}
		chain.AddTyped(ic)
	}
	// Outside a streamx call (a stock Triple call) there is nothing to
	// intercept: pass through.
	return invoker.Invoke(ctx, inv)
}

// OnResponse implements dubbo-go's filter.Filter.
func (f *interceptorFilter) OnResponse(_ context.Context, res result.Result, _ base.Invoker, _ base.Invocation) result.Result {
	return res
}
