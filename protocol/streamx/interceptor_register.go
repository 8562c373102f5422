package streamx

import (
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	dubbofilter "dubbo.apache.org/dubbo-go/v3/filter"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
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
	extension.SetFilter(name, func() dubbofilter.Filter {
		return &filterchain.Adder[Interceptor]{Kind: "interceptor", Name: name, Make: f,
			Add: func(c *filterchain.Chain, ic Interceptor) { c.AddTyped(ic) }}
	})
}
