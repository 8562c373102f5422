package streamx_test

import (
	"context"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

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
