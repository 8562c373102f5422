package filter

import (
	"fmt"
	"strings"
	"sync/atomic"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"
)

var inlineSeq atomic.Int64

// registerInline registers each filter under a fresh name and returns the
// names, in order.
func registerInline(fs []StreamFilter) []string {
	names := make([]string, 0, len(fs))
	for _, f := range fs {
		if f == nil {
			continue
		}
		name := fmt.Sprintf("streamx-inline-%d", inlineSeq.Add(1))
		Register(name, func(*common.URL) (StreamFilter, error) { return f, nil })
		names = append(names, name)
	}
	return names
}

func appendList(list string, names []string) string {
	if list == "" {
		return strings.Join(names, ",")
	}
	return list + "," + strings.Join(names, ",")
}

// WithServiceFilters adds stream filters to a service, after those of its
// `filter:` list, in the order given. As with dubbo-go, a provider's filter
// list replaces dubbo-go's default provider filters.
func WithServiceFilters(fs ...StreamFilter) server.ServiceOption {
	names := registerInline(fs)
	return func(o *server.ServiceOptions) {
		o.Service.Filter = appendList(o.Service.Filter, names)
	}
}

// WithReferenceFilters adds stream filters to a reference, after those of
// its `filter:` list, in the order given (dubbo-go's default consumer
// filters stay).
func WithReferenceFilters(fs ...StreamFilter) client.ReferenceOption {
	names := registerInline(fs)
	return func(o *client.ReferenceOptions) {
		o.Reference.Filter = appendList(o.Reference.Filter, names)
	}
}
