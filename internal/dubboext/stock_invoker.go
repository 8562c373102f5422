package dubboext

import (
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// lazyStock is a stock Triple invoker made on first use (stock Triple's
// legacy invoker connects at once and keeps retrying, so none is made for
// a reference that never needs one). Safe for concurrent use.
type lazyStock struct {
	mu        sync.Mutex
	stock     base.Invoker // on mu
	destroyed bool         // on mu
}

// get returns the stock invoker for url, making it on first use; once
// destroy has run, an invoker that fails every call.
func (l *lazyStock) get(url *common.URL) base.Invoker {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stock != nil {
		return l.stock
	}
	if l.destroyed {
		f := &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Errorf(status.Unavailable,
			"streamx: the invoker for %s is destroyed", url.Location)}
		f.Destroy()
		return f
	}
	l.stock = newStockInvoker(url)
	return l.stock
}

// destroy destroys the stock invoker if one was made (or is being made);
// none is made after.
func (l *lazyStock) destroy() {
	l.mu.Lock()
	l.destroyed = true
	stock := l.stock
	l.mu.Unlock()
	if stock != nil {
		stock.Destroy()
	}
}

// newStockInvoker refers url with stock Triple; never nil.
func newStockInvoker(url *common.URL) (inv base.Invoker) {
	defer func() {
		// Stock Refer panics on some references (a plain Dial without
		// ClientInfo builds dubbo-go's legacy invoker, which panics).
		if r := recover(); r != nil {
			inv = &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Errorf(status.FailedPrecondition,
				"streamx: stock Triple cannot call %s: %v (declare the method with streamx, or dial with client.DialWithInfo as generated Triple code does)",
				url.ServiceKey(), r)}
		}
	}()
	if inv = triple.GetProtocol().Refer(url); inv == nil {
		return &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Errorf(status.Unavailable,
			"streamx: stock Triple could not refer %s (see the log)", url.ServiceKey())}
	}
	return inv
}
