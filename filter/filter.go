// Package filter gives dubbo-go filters a view of every message of a
// stream. A dubbo-go filter runs once per call; a StreamFilter registered
// here is a dubbo-go filter too, so a `filter:` list in dubbogo.yml (or
// server.WithFilter / client.WithFilter, or ServiceFilters /
// ReferenceFilters below) turns it on per service or reference, and it
// then sees the stream open, each message sent and received, and the close.
//
// Order: filters run in the order of the `filter:` list. OnSend and
// OnReceive run first to last, OnClose last to first. OnClose runs exactly
// once per stream, whether it ends by EOF, an error, cancellation, a break
// out of a range loop, or a peer that vanished.
//
// Built-in filters (see their files): "stream-accesslog", "stream-metrics",
// "stream-timeout" and "stream-limit".
//
// Stream filters are the byte-level layer: they see each message encoded
// (its size, as sent, before compression), never decoded. To read,
// replace or reject messages in typed form, write a typed interceptor
// (streamx.Interceptor, registered with streamx.RegisterInterceptor and
// selected in the same `filter:` list); interceptors sit above stream
// filters, so a message an interceptor sends passes the stream filters
// after it, and a message received passes them before it.
package filter

import (
	"context"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	dubbofilter "dubbo.apache.org/dubbo-go/v3/filter"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
)

// NopHooks does nothing; embed it to implement only some hooks.
type NopHooks struct{}

// OnSend implements Hooks.
func (NopHooks) OnSend(context.Context, Message) error { return nil }

// OnReceive implements Hooks.
func (NopHooks) OnReceive(context.Context, Message) error { return nil }

// OnClose implements Hooks.
func (NopHooks) OnClose(context.Context, Result) {}

// Factory makes the filter for one service or reference from its URL, whose
// parameters carry the `params:` of dubbogo.yml. A bad parameter is an
// error naming it.
type Factory func(url *common.URL) (StreamFilter, error)

// Register makes a stream filter available to dubbo-go under name. As with
// dubbo-go's own extensions, a later registration of a name wins.
func Register(name string, f Factory) {
	extension.SetFilter(name, func() dubbofilter.Filter {
		return &filterchain.Adder[StreamFilter]{Kind: "filter", Name: name, Make: f,
			Add: func(c *filterchain.Chain, f StreamFilter) { c.Add(toChain{f}) }}
	})
}

// Check returns an error naming every name in names (a comma-separated
// `filter:` list) that no package registered, so a misspelled filter fails
// at startup rather than at the first call. A "-name" entry (which removes
// a default filter) must name a registered filter too; "default" and
// "-default" are accepted.
func Check(names string) error { return filterchain.CheckNames(names) }

// Guard is Check that also registers, for each unknown name, a filter that
// fails every call with Check's error: dubbo-go would otherwise build a nil
// filter into the chain and panic at the first call.
func Guard(names string) error { return filterchain.GuardNames(names) }
