package dubboext

import (
	"net"
	"sort"
	"strings"
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/server"
)

// dubbo-go v3.3.2's server.Serve exports its metadata service (the one
// application-level discovery's consumers call) on a URL with no host, so
// it listened on all interfaces whatever host the provider was configured
// with. streamx binds it to the host of the provider's protocol instead:
// the service instance a registry publishes carries that same host, so
// consumers reach the metadata service where they reach the provider.

var metadataHost struct {
	sync.Mutex
	ip string
}

// NoteHost records the host of the protocols of the service just
// registered on srv, for the metadata service Serve will export.
func NoteHost(srv *server.Server, iface string) {
	so := srv.GetServiceOptionsByInterfaceName(iface)
	if so == nil {
		return
	}
	ids := make([]string, 0, len(so.Protocols))
	for id := range so.Protocols {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if pc := so.Protocols[id]; pc != nil && pc.Ip != "" {
			metadataHost.Lock()
			metadataHost.ip = pc.Ip
			metadataHost.Unlock()
			return
		}
	}
}

// bindMetadataURL puts the recorded host on a metadata service URL that
// has none.
func bindMetadataURL(url *common.URL) {
	if url == nil || url.Ip != "" {
		return
	}
	if p := strings.TrimPrefix(url.Path, "/"); p != constant.MetadataServiceName && p != constant.MetadataServiceV2Name {
		return
	}
	metadataHost.Lock()
	ip := metadataHost.ip
	metadataHost.Unlock()
	if ip == "" {
		return
	}
	url.Ip = ip
	url.Location = net.JoinHostPort(ip, url.Port)
}

// boundDubbo is dubbo-go's dubbo protocol (the metadata service's default
// protocol) with the metadata service bound to the provider's host.
type boundDubbo struct{ base.Protocol }

func (p boundDubbo) Export(invoker base.Invoker) base.Exporter {
	bindMetadataURL(invoker.GetURL())
	return p.Protocol.Export(invoker)
}
