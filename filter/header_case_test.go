package filter_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// headerTap records the names of the headers its streams open with.
type headerTap struct {
	mu    sync.Mutex
	names [][]string
}

func (h *headerTap) Open(_ context.Context, info *filter.StreamInfo, _ filter.Control) (filter.Hooks, error) {
	var names []string
	for k := range info.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	h.mu.Lock()
	h.names = append(h.names, names)
	h.mu.Unlock()
	return filter.NopHooks{}, nil
}

// A consumer filter sees every outgoing header name in lower case, as
// HTTP/2 sends them, the group and version included, on every call kind.
func TestConsumerFilterSeesLowerCaseNames(t *testing.T) {
	noLeaks(t)
	tap := &headerTap{}
	url := serve(t, testgreeter.NewService(), server.WithGroup("g1"), server.WithVersion("v1"))
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithGroup("g1"), client.WithVersion("v1"),
		filter.WithReferenceFilters(tap))
	ctx := ctxT(t)
	if _, err := greeter.SayHello.Call(ctx, conn, greeter.Req("a")); err != nil {
		t.Fatal(err)
	}
	rs, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("a"))
	if err != nil {
		t.Fatal(err)
	}
	for range rs.Messages() {
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if len(tap.names) != 2 {
		t.Fatalf("filter opened %d times, want 2", len(tap.names))
	}
	for _, names := range tap.names {
		for _, k := range names {
			if k != strings.ToLower(k) {
				t.Errorf("header name %q is not lower case (all: %q)", k, names)
			}
		}
		for _, k := range []string{"tri-service-group", "tri-service-version"} {
			if !slices.Contains(names, k) {
				t.Errorf("%s missing from %q", k, names)
			}
		}
	}
}
