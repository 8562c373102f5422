package dubboext

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple/health"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple/reflection"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/status"

	"google.golang.org/grpc"
)

var (
	theProtocol     *protocol
	theProtocolOnce sync.Once
)

// getProtocol returns the process-wide protocol, which dubbo-go gets
// through the extension registry.
func getProtocol() *protocol {
	theProtocolOnce.Do(func() {
		theProtocol = &protocol{
			BaseProtocol: base.NewBaseProtocol(),
			endpoints:    map[string]*endpoint{},
			stockAt:      map[string]int{},
		}
	})
	return theProtocol
}

// protocol is the dubbo-go protocol extension. It serves exported services
// itself (streamx methods with streamx's transport, other services
// through dubbo-go's triple handlers on the same port) and refers with
// streamx invokers, which hand calls without a streamx method declaration
// to stock Triple. A protocol, service or reference whose streamx: key is
// false is handed to stock Triple whole (optin.go).
type protocol struct {
	base.BaseProtocol
	mu        sync.Mutex
	endpoints map[string]*endpoint // by host:port
	stockAt   map[string]int       // host:port -> services stock Triple serves there
	exported  []*exporter
}

// Export serves the invoker's service. On failure (a bad setting, a port in
// use, a method that cannot be served) it logs the cause and returns nil,
// which dubbo-go reports as a failed export.
func (p *protocol) Export(invoker base.Invoker) base.Exporter {
	exp, err := p.exportChosen(invoker)
	if err != nil {
		url := invoker.GetURL()
		logger.Errorf("[streamx] cannot export %s: %v", url.ServiceKey(), err)
		noteExportError(url.GetParam(constant.InterfaceKey, url.Path), err)
		// dubbo-go registered the service in its service map before
		// exporting; undo it so a later export can succeed.
		_ = common.ServiceMap.UnRegister(url.GetParam(constant.InterfaceKey, url.Path), ProtocolName, url.ServiceKey())
		return nil
	}
	return exp
}

// exportChosen exports invoker with the stack its streamx: keys pick.
func (p *protocol) exportChosen(invoker base.Invoker) (base.Exporter, error) {
	url := invoker.GetURL()
	c, err := chooseProviderStack(url)
	if err != nil {
		return nil, err
	}
	// Registries see an ordinary tri URL, and a consumer's choice is its own.
	url.DelParam(settings.ParamStack)
	switch {
	case !c.portStreamx && !c.serviceStreamx:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.exportStock(invoker, c)
	case !c.portStreamx:
		return nil, fmt.Errorf("%s is true, but %s is false: stock Triple's server serves that port, "+
			"and it cannot serve streamx; give the service a protocol (port) whose streamx is true", c.serviceWhere, c.protoWhere)
	case !c.serviceStreamx:
		// On streamx's port: stock Triple's handlers serve the service,
		// as they serve every service without streamx declarations.
		if err := c.checkStock(url); err != nil {
			return nil, err
		}
	}
	exp, err := p.export(invoker)
	if err != nil {
		return nil, err
	}
	return exp, nil
}

func (p *protocol) export(invoker base.Invoker) (*exporter, error) {
	url := invoker.GetURL()
	bindMetadataURL(url)
	var info *common.ServiceInfo
	if raw, ok := url.GetAttribute(constant.ServiceInfoKey); ok {
		info, _ = raw.(*common.ServiceInfo)
	}
	if info == nil {
		return nil, fmt.Errorf("no ServiceInfo on the URL: register the service with a ServiceInfo (streamx.Service or generated code)")
	}
	// dubbo-go built the filter chain already, with nil for unknown names
	// (a panic at the first call): refuse to serve instead.
	if err := filterchain.CheckNames(url.GetParam(constant.ServiceFilterKey, "")); err != nil {
		return nil, err
	}
	interfaceName := url.GetParam(constant.InterfaceKey, url.Path)
	group, version := url.GetParam(constant.GroupKey, ""), url.GetParam(constant.VersionKey, "")

	p.mu.Lock()
	defer p.mu.Unlock()
	ep, ok := p.endpoints[url.Location]
	if !ok {
		if p.stockAt[url.Location] > 0 {
			return nil, fmt.Errorf("stock Triple serves %s (a protocol there sets streamx: false), and its server "+
				"cannot serve streamx too; give streamx services a protocol (port) of their own", url.Location)
		}
		var err error
		if ep, err = newEndpoint(url); err != nil {
			return nil, err
		}
		p.endpoints[url.Location] = ep
		reflection.Register(ep)
	}
	exp := &exporter{
		BaseExporter: base.NewBaseExporter(url.ServiceKey(), invoker, p.ExporterMap()),
		p:            p,
		ep:           ep,
		group:        group,
		version:      version,
		serviceKey:   url.ServiceKey(),
		interfaceNm:  interfaceName,
	}
	names := make([]string, 0, len(info.Methods))
	ginfo := grpc.ServiceInfo{Metadata: info}
	for _, m := range info.Methods {
		path := methodPath(interfaceName, m.Name)
		h, err := p.handlerFor(interfaceName, m, invoker, ep, group, version, path)
		if err != nil {
			exp.unmount()
			return nil, fmt.Errorf("method %s: %w", m.Name, err)
		}
		ep.handle(path, group, version, h)
		exp.paths = append(exp.paths, path)
		names = append(names, m.Name)
		ginfo.Methods = append(ginfo.Methods, grpc.MethodInfo{
			Name:           m.Name,
			IsClientStream: m.Type == constant.CallClientStream || m.Type == constant.CallBidiStream,
			IsServerStream: m.Type == constant.CallServerStream || m.Type == constant.CallBidiStream,
		})
	}
	ep.setServiceInfo(interfaceName, &ginfo)
	if len(names) > 0 {
		// The handler struct's Go methods (which dubbo-go put in
		// url.Methods from its service map) are not the RPC methods:
		// publish the real names, once. dubbo-go's registries write
		// url.Methods as the "methods" parameter (base_registry.go adds it
		// to the URL's own parameters), so it must not be a parameter too.
		url.Methods = names
		url.DelParam(constant.MethodsKey)
	}
	p.SetExporterMap(url.ServiceKey(), exp)
	p.exported = append(p.exported, exp)
	health.SetServingStatusServing(url.ServiceKey())
	logger.Infof("[streamx] serving %s on %s", url.ServiceKey(), url.Location)
	return exp, nil
}

func (p *protocol) handlerFor(service string, m common.MethodInfo, invoker base.Invoker, ep *endpoint, group, version, path string) (http.Handler, error) {
	if sm, ok := m.Meta[MetaKey].(*ServerMethod); ok && sm != nil {
		return &methodHandler{service: service, name: m.Name, kind: m.Type, m: sm, invoker: invoker, settings: ep.settings}, nil
	}
	return compatHandler(path, m, invoker, group, version)
}

// Refer returns a streamx invoker for url. A bad setting on the URL gives
// an invoker whose every call fails with an error naming the setting
// (dubbo-go panics on a nil invoker).
func (p *protocol) Refer(url *common.URL) base.Invoker {
	// dubbo-go builds the reference's filter chain after Refer; make sure
	// it finds no nil filter.
	if err := filterchain.GuardNames(url.GetParam(constant.ReferenceFilterKey, "")); err != nil {
		logger.Errorf("[streamx] reference %s: %v", url.Key(), err)
	}
	useShutdownFilter(url)
	useStreamx, err := referStack(url)
	if err != nil {
		logger.Errorf("[streamx] cannot refer %s: %v", url.Key(), err)
		return &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Wrap(status.InvalidArgument, err)}
	}
	if !useStreamx {
		return referStock(url)
	}
	inv, err := newInvoker(url)
	if err != nil {
		logger.Errorf("[streamx] cannot refer %s: %v", url.Key(), err)
		return &failedInvoker{BaseInvoker: base.NewBaseInvoker(url), err: status.Wrap(status.InvalidArgument, err)}
	}
	p.SetInvokers(inv)
	return inv
}

// Destroy stops every listener (waiting for open streams up to dubbo-go's
// graceful shutdown timeout) and destroys the invokers.
func (p *protocol) Destroy() {
	p.mu.Lock()
	eps := p.endpoints
	p.endpoints = map[string]*endpoint{}
	p.stockAt = map[string]int{}
	p.exported = nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep.stop(constant.DefaultGracefulShutdownTimeout)
		}()
	}
	wg.Wait()
	p.BaseProtocol.Destroy()
	triple.GetProtocol().Destroy() // stock invokers created for non-streamx calls
}

// markNotServing tells health watchers every service is going away, so
// dubbo-go consumers stop sending before the listeners close.
func (p *protocol) markNotServing() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.exported {
		health.SetServingStatusNotServing(e.serviceKey)
	}
	// What stock Triple's own callback, which this one replaced, did for
	// the services it serves (those whose streamx: is false).
	if stock, ok := triple.GetProtocol().(interface{ ExporterMap() *sync.Map }); ok {
		stock.ExporterMap().Range(func(key, _ any) bool {
			if k, ok := key.(string); ok && k != "" {
				health.SetServingStatusNotServing(k)
			}
			return true
		})
	}
}

// release stops ep if no service is left on it.
func (p *protocol) release(ep *endpoint) {
	p.mu.Lock()
	for _, e := range p.exported {
		if e.ep == ep {
			p.mu.Unlock()
			return
		}
	}
	if p.endpoints[ep.addr] == ep {
		delete(p.endpoints, ep.addr)
	}
	p.mu.Unlock()
	ep.stop(5 * time.Second)
}
