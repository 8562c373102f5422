package streamx

import (
	"context"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/filter"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
)

// shutdownFilterName is the filter that stands in for dubbo-go's consumer
// graceful-shutdown filter ("cshutdown") on streamx references.
const shutdownFilterName = "streamx-cshutdown"

// shutdownKeyAttr is the URL attribute holding the reference's key URL.
const shutdownKeyAttr = "streamx.shutdown-key"

func init() {
	extension.SetFilter(shutdownFilterName, func() filter.Filter {
		orig, _ := extension.GetFilter(constant.GracefulShutdownConsumerFilterKey)
		return shutdownFilter{orig: orig}
	})
}

// shutdownFilter runs dubbo-go's cshutdown filter (its in-flight count for
// graceful shutdown, and its skipping of providers that said they are
// closing) unchanged, but hands it the invoker under a key URL: the
// provider's address, interface, group, version and timestamp. cshutdown
// names a provider by the whole URL's String(), formatting and sorting
// every parameter on every call, 12% of a unary caller's CPU.
type shutdownFilter struct{ orig filter.Filter }

func (f shutdownFilter) Invoke(ctx context.Context, inv base.Invoker, invocation base.Invocation) result.Result {
	if f.orig == nil {
		return inv.Invoke(ctx, invocation)
	}
	return f.orig.Invoke(ctx, keyed(inv), invocation)
}

func (f shutdownFilter) OnResponse(ctx context.Context, res result.Result, inv base.Invoker, invocation base.Invocation) result.Result {
	if f.orig == nil {
		return res
	}
	return f.orig.OnResponse(ctx, res, keyed(inv), invocation)
}

// keyedInvoker is an invoker seen through its key URL.
type keyedInvoker struct {
	base.Invoker
	key *common.URL
}

func (k keyedInvoker) GetURL() *common.URL { return k.key }

// SetAvailable lets cshutdown take a closing provider out of rotation.
func (k keyedInvoker) SetAvailable(v bool) {
	if s, ok := k.Invoker.(base.AvailabilitySetter); ok {
		s.SetAvailable(v)
	}
}

func keyed(inv base.Invoker) base.Invoker {
	if v, ok := inv.GetURL().GetAttribute(shutdownKeyAttr); ok {
		if key, ok := v.(*common.URL); ok {
			return keyedInvoker{Invoker: inv, key: key}
		}
	}
	return inv
}

// useShutdownFilter puts shutdownFilter in place of cshutdown in the
// filter list of a streamx reference URL, before dubbo-go builds the
// chain from it, and gives the URL its key URL.
func useShutdownFilter(url *common.URL) {
	list := url.GetParam(constant.ReferenceFilterKey, "")
	names := strings.Split(list, ",")
	swapped := false
	for i, n := range names {
		if strings.TrimSpace(n) == constant.GracefulShutdownConsumerFilterKey {
			names[i], swapped = shutdownFilterName, true
		}
	}
	if !swapped {
		return
	}
	key := url.CloneWithParams([]string{
		constant.InterfaceKey, constant.GroupKey, constant.VersionKey,
		constant.MeshClusterIDKey, constant.TimestampKey,
	})
	url.SetAttribute(shutdownKeyAttr, key)
	url.SetParam(constant.ReferenceFilterKey, strings.Join(names, ","))
}
