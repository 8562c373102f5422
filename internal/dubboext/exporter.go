package dubboext

import (
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple/health"

	"github.com/dubbogo/gost/log/logger"
)

// exporter is one exported service: its methods mounted on an endpoint.
type exporter struct {
	*base.BaseExporter
	p           *protocol
	ep          *endpoint
	group       string
	version     string
	serviceKey  string
	interfaceNm string
	paths       []string
	once        sync.Once
}

func (e *exporter) unmount() {
	for _, path := range e.paths {
		e.ep.unhandle(path, e.group, e.version)
	}
}

// UnExport stops serving the service; the listener closes with the last
// service on it.
func (e *exporter) UnExport() {
	e.once.Do(func() {
		health.SetServingStatusNotServing(e.serviceKey)
		e.unmount()
		e.ep.setServiceInfo(e.interfaceNm, nil)
		e.p.mu.Lock()
		for i, x := range e.p.exported {
			if x == e {
				e.p.exported = append(e.p.exported[:i], e.p.exported[i+1:]...)
				break
			}
		}
		e.p.mu.Unlock()
		if err := common.ServiceMap.UnRegister(e.interfaceNm, ProtocolName, e.serviceKey); err != nil {
			logger.Debugf("[streamx] unregister %s from the service map: %v", e.serviceKey, err)
		}
		e.BaseExporter.UnExport()
		e.p.release(e.ep)
	})
}
