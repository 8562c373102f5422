package dubboext

import (
	"context"
	"strings"
	"sync/atomic"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/filter"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
)

// shutdownFilterName is the filter that stands in for dubbo-go's consumer
// graceful-shutdown filter ("cshutdown") on streamx references.
const shutdownFilterName = "streamx-cshutdown"

// shutdownKeyAttr is the URL attribute holding the reference's key URL.
const shutdownKeyAttr = "streamx.shutdown-key"

// shutdownFilter runs dubbo-go's cshutdown filter (its in-flight count for
// graceful shutdown, and its skipping of providers that said they are
// closing) unchanged, but hands it the invoker under a key URL that names
// the provider and nothing more (see useShutdownFilter). cshutdown names
// a provider by the whole URL's String(), formatting and sorting every
// parameter on every call, which showed in a unary caller's profile.
//
// dubbo-go makes a filter per reference chain, so the filter keeps the
// keyed invoker it made for the invoker after it instead of making one
// (and reading the URL's attributes under their lock) twice per call.
// The invokers of a chain are pointers, which the cache compares.
type shutdownFilter struct {
	orig  filter.Filter
	cache atomic.Pointer[keyedInvoker]
}

func (f *shutdownFilter) Invoke(ctx context.Context, inv base.Invoker, invocation base.Invocation) result.Result {
	if f.orig == nil {
		return inv.Invoke(ctx, invocation)
	}
	return f.orig.Invoke(ctx, f.keyed(inv), invocation)
}

func (f *shutdownFilter) OnResponse(ctx context.Context, res result.Result, inv base.Invoker, invocation base.Invocation) result.Result {
	if f.orig == nil {
		return res
	}
	return f.orig.OnResponse(ctx, res, f.keyed(inv), invocation)
}

// keyed returns inv seen through its key URL, or inv if its URL has none.
func (f *shutdownFilter) keyed(inv base.Invoker) base.Invoker {
	if k := f.cache.Load(); k != nil && k.Invoker == inv {
		return k
	}
	v, ok := inv.GetURL().GetAttribute(shutdownKeyAttr)
	if !ok {
		return inv
	}
	key, ok := v.(*common.URL)
	if !ok {
		return inv
	}
	k := &keyedInvoker{Invoker: inv, key: key}
	f.cache.Store(k)
	return k
}

// keyedInvoker is an invoker seen through its key URL.
type keyedInvoker struct {
	base.Invoker
	key *common.URL
}

func (k *keyedInvoker) GetURL() *common.URL { return k.key }

// SetAvailable lets cshutdown take a closing provider out of rotation.
func (k *keyedInvoker) SetAvailable(v bool) {
	if s, ok := k.Invoker.(base.AvailabilitySetter); ok {
		s.SetAvailable(v)
	}
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
	// The key URL keeps what names the provider: address, path, group,
	// version, mesh cluster and timestamp (a restarted provider is another
	// one). The interface is left out when the path says it (dubbo-go
	// reads it from there too), so that a reference without group,
	// version or timestamp (a direct URL) has a key with no parameters to
	// format.
	keep := []string{constant.GroupKey, constant.VersionKey, constant.MeshClusterIDKey, constant.TimestampKey}
	if strings.TrimPrefix(url.Path, "/") != url.GetParam(constant.InterfaceKey, "") {
		keep = append(keep, constant.InterfaceKey)
	}
	key := url.CloneWithParams(keep)
	for _, k := range keep {
		if key.GetParam(k, "") == "" {
			key.DelParam(k) // dubbo-go reads empty and absent alike
		}
	}
	url.SetAttribute(shutdownKeyAttr, key)
	url.SetParam(constant.ReferenceFilterKey, strings.Join(names, ","))
}
