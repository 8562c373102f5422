package streamx_test

import (
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// A reference's streamx key set in code, as in dubbogo.yml: false hands
// it to stock Triple, which refuses streamx calls saying why; a bad value
// fails every call naming the key and the value.
func TestReferenceStackParam(t *testing.T) {
	noLeaks(t)
	ctx, url := ctxT(t), serve(t, testgreeter.NewService())
	if r, err := greeter.SayHello.Call(ctx, dial(t, url, client.WithParam("streamx", "true")), greeter.Req("x")); err != nil || r.Message != "Hello, x" {
		t.Fatalf("streamx: true: %v, %v", r, err)
	}
	_, err := greeter.SayHello.Call(ctx, dial(t, url, client.WithParam("streamx", "false"), client.WithRetries(0)), greeter.Req("x"))
	if streamx.CodeOf(err) != streamx.CodeFailedPrecondition || !strings.Contains(err.Error(), "streamx: false (stock Triple)") {
		t.Fatalf("streamx: false: %v", err)
	}
	_, err = greeter.SayHello.Call(ctx, dial(t, url, client.WithParam("streamx", "maybe"), client.WithRetries(0)), greeter.Req("x"))
	if streamx.CodeOf(err) != streamx.CodeInvalidArgument ||
		!strings.Contains(err.Error(), `params.streamx of reference org.apache.dubbo.samples.data.Greeter: "maybe" is neither true (streamx) nor false (stock Triple)`) {
		t.Fatalf("streamx: maybe: %v", err)
	}
}
