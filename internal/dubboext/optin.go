package dubboext

import (
	"context"
	"fmt"
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// stackChoice is what a provider URL's streamx: keys pick. The port's
// stack is its protocol's; a service may pick otherwise only where the
// port is streamx's, whose listener routes per service.
type stackChoice struct {
	portStreamx    bool
	serviceStreamx bool
	protoWhere     string // the protocol's key, for errors ("dubbo.protocols.tri.params.streamx")
	serviceWhere   string // the service's key, for errors; "" when unset
}

// chooseProviderStack reads the streamx: key of url's service and of its
// protocol. A bad value is an error naming the key and the value. (Export
// errors, here and below, do not name the service: Export's log line and
// ExportAlone's error do.)
func chooseProviderStack(url *common.URL) (stackChoice, error) {
	c := stackChoice{portStreamx: settings.DefaultStack}
	if id, pc := protocolOf(url); pc != nil {
		where := "dubbo.protocols." + id + ".params"
		c.protoWhere = where + "." + settings.ParamStack
		var err error
		if c.portStreamx, err = settings.ProtocolStack(where, pc.Params); err != nil {
			return c, err
		}
	}
	c.serviceStreamx = c.portStreamx
	if v := url.GetParam(settings.ParamStack, ""); v != "" {
		c.serviceWhere = "params." + settings.ParamStack + " of service " + url.ServiceKey()
		var err error
		if c.serviceStreamx, err = settings.ParseStack(c.serviceWhere, v); err != nil {
			return c, err
		}
	}
	return c, nil
}

// protocolOf finds the protocol configuration url was exported from:
// dubbo-go puts every protocol on the URL, and the one used by its triple
// settings (the same pointer) or, failing that, by its name and port.
func protocolOf(url *common.URL) (string, *global.ProtocolConfig) {
	raw, _ := url.GetAttribute(constant.ProtocolConfigKey)
	all, _ := raw.(map[string]*global.ProtocolConfig)
	if tc := tripleConfig(url); tc != nil {
		for id, pc := range all {
			if pc != nil && pc.TripleConfig == tc {
				return id, pc
			}
		}
	}
	var (
		foundID string
		found   *global.ProtocolConfig
		n       int
	)
	for id, pc := range all {
		if pc != nil && pc.Name == url.Protocol && pc.Port == url.Port {
			foundID, found, n = id, pc, n+1
		}
	}
	if n != 1 {
		return "", nil
	}
	return foundID, found
}

// declaresStreamx reports the first method of info declared with streamx,
// which only streamx's transport can serve.
func declaresStreamx(info *common.ServiceInfo) (string, bool) {
	if info == nil {
		return "", false
	}
	for _, m := range info.Methods {
		if sm, ok := m.Meta[MetaKey].(*ServerMethod); ok && sm != nil {
			return m.Name, true
		}
	}
	return "", false
}

// checkStock refuses a service that picks stock Triple but declares
// streamx methods: stock Triple's handlers cannot run them (they take
// streamx's streams, not Triple's), and serving them with streamx instead
// would not be what the key says.
func (c stackChoice) checkStock(url *common.URL) error {
	raw, _ := url.GetAttribute(constant.ServiceInfoKey)
	info, _ := raw.(*common.ServiceInfo)
	name, ok := declaresStreamx(info)
	if !ok {
		return nil
	}
	where := c.serviceWhere
	if where == "" {
		where = c.protoWhere
	}
	return fmt.Errorf("%s is false (stock Triple), but %s declares its method %s with streamx, "+
		"which stock Triple cannot serve: set it to true, or serve this service from generated Triple code",
		where, url.ServiceKey(), name)
}

// exportStock exports invoker with dubbo-go's stock Triple protocol, which
// serves it with its own server on its own listener. The caller holds
// p.mu.
func (p *protocol) exportStock(invoker base.Invoker, c stackChoice) (exp base.Exporter, err error) {
	url := invoker.GetURL()
	if err := c.checkStock(url); err != nil {
		return nil, err
	}
	if _, ok := p.endpoints[url.Location]; ok {
		return nil, fmt.Errorf("%s is false (stock Triple), but streamx already serves %s: "+
			"stock Triple's server needs a listener of its own, so give stock services a protocol (port) of their own",
			c.protoWhere, url.Location)
	}
	defer func() {
		// Stock Triple panics when it cannot serve.
		if r := recover(); r != nil {
			exp, err = nil, fmt.Errorf("stock Triple: %v", r)
		}
	}()
	exp = triple.GetProtocol().Export(invoker)
	if exp == nil {
		return nil, fmt.Errorf("stock Triple did not export %s (see the log)", url.ServiceKey())
	}
	p.stockAt[url.Location]++
	return &stockExporter{Exporter: exp, p: p, location: url.Location}, nil
}

// stockExporter is a service exported by stock Triple; it notes when the
// port is no longer stock's.
type stockExporter struct {
	base.Exporter
	p        *protocol
	location string
	done     bool // on p.mu
}

// UnExport stops serving the service through stock Triple.
func (e *stockExporter) UnExport() {
	e.Exporter.UnExport()
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	if e.done {
		return
	}
	e.done = true
	if e.p.stockAt[e.location]--; e.p.stockAt[e.location] <= 0 {
		delete(e.p.stockAt, e.location)
	}
}

// referStack reads a reference's streamx: key: true (or unset) for
// streamx, false for stock Triple. A bad value is an error naming it.
func referStack(url *common.URL) (bool, error) {
	v := url.GetParam(settings.ParamStack, "")
	if v == "" {
		return settings.DefaultStack, nil
	}
	ok, err := settings.ParseStack("params."+settings.ParamStack+" of reference "+url.ServiceKey(), v)
	if err != nil {
		return false, fmt.Errorf("streamx: %w", err)
	}
	return ok, nil
}

// referStock refers url with stock Triple, for a reference whose streamx:
// is false; never nil.
func referStock(url *common.URL) base.Invoker {
	return &stockReference{BaseInvoker: *base.NewBaseInvoker(url)}
}

// stockReference calls through a stock Triple invoker, for a reference
// whose streamx: is false. It refers with stock Triple on the first call
// (stock Triple's legacy invoker connects at once and keeps retrying), and
// never for calls made with streamx method declarations: those hand over
// streamx's request and stream types, which stock Triple's invoker cannot
// send, and fail saying so. Safe for concurrent use.
type stockReference struct {
	base.BaseInvoker

	mu        sync.Mutex
	stock     base.Invoker // on mu: made on first use
	destroyed bool         // on mu
}

// Invoke implements base.Invoker.
func (s *stockReference) Invoke(ctx context.Context, inv base.Invocation) result.Result {
	if _, ok := specFrom(ctx); ok {
		return &result.RPCResult{Err: status.Errorf(status.FailedPrecondition,
			"streamx: reference %s sets streamx: false (stock Triple), which cannot make calls declared with streamx (%s): "+
				"set streamx: true on the reference, or call with generated Triple code", s.GetURL().ServiceKey(), inv.MethodName())}
	}
	s.mu.Lock()
	if s.destroyed {
		s.mu.Unlock()
		return &result.RPCResult{Err: status.Errorf(status.Unavailable, "streamx: the invoker for %s is destroyed", s.GetURL().Location)}
	}
	if s.stock == nil {
		s.stock = newStockInvoker(s.GetURL())
	}
	stock := s.stock
	s.mu.Unlock()
	return stock.Invoke(ctx, inv)
}

// Destroy implements base.Invoker, destroying the stock invoker if made.
func (s *stockReference) Destroy() {
	s.BaseInvoker.Destroy()
	s.mu.Lock()
	s.destroyed = true
	stock := s.stock
	s.mu.Unlock()
	if stock != nil {
		stock.Destroy()
	}
}

func newStockInvoker(url *common.URL) (inv base.Invoker) {
	defer func() {
		// Stock Refer panics on some references (a plain Dial without
		// ClientInfo builds dubbo-go's legacy invoker, which panics).
		if r := recover(); r != nil {
			inv = &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Errorf(status.FailedPrecondition,
				"streamx: reference %s sets streamx: false, and stock Triple cannot refer it: %v "+
					"(stock Triple needs client.DialWithInfo, as generated Triple code does)", url.ServiceKey(), r)}
		}
	}()
	if inv = triple.GetProtocol().Refer(url); inv == nil {
		return &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Errorf(status.Unavailable,
			"streamx: stock Triple could not refer %s (see the log)", url.ServiceKey())}
	}
	return inv
}
