package streamx_test

import (
	"context"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// serve serves svc in memory (streamxtest) for the rest of t and returns
// its URL, which dial and testenv.Dial reach without a port. Tests of the
// network itself (TCP, real peers, other processes) use testenv.Serve.
func serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) string {
	t.Helper()
	s, err := streamxtest.New(svc, opts...)
	if err != nil {
		t.Fatalf("serve in memory: %v", err)
	}
	t.Cleanup(s.Close)
	return s.URL()
}

// dial returns a connection to the Greeter at url.
func dial(t testing.TB, url string, opts ...client.ReferenceOption) *client.Connection {
	t.Helper()
	return testenv.Dial(t, greeter.ServiceName, url, opts...)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
