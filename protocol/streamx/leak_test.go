package streamx_test

import (
	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"testing"

	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// noLeaks fails the test if it leaves goroutines behind once its cleanups
// (service unexport, listener close) have run. Call it first in a test.
func noLeaks(t *testing.T) {
	t.Helper()
	warmUp(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		goleak.VerifyNone(t, ignore)
	})
}

var warmed bool

// warmUp makes one call of every kind so dubbo-go's global goroutines exist
// before a test takes its goroutine snapshot.
func warmUp(t *testing.T) {
	if warmed {
		return
	}
	warmed = true
	// Another version, so the tests can export the Greeter meanwhile.
	url := testenv.Serve(t, testgreeter.NewService(), server.WithVersion("warm-up"))
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithVersion("warm-up"))
	if _, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("warm")); err != nil {
		t.Fatalf("warm-up call: %v", err)
	}
}
