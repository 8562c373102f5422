package integrate_test

import (
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// pyOtelSpans records the spans of the provider below; its tracer is the
// interceptor's own, so no global state is touched.
var pyOtelSpans = tracetest.NewSpanRecorder()

func init() {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(pyOtelSpans))
	streamx.RegisterInterceptor("test-otel-py", func(*common.URL) (streamx.Interceptor, error) {
		return streamxotel.NewInterceptor(streamxotel.WithTracerProvider(tp)), nil
	})
}

// TestPythonConsumerGoProviderRootSpan: a dubbo-python consumer sends no
// trace headers, so a traced Go provider starts a root server span for
// its call, which ends with the call's status.
func TestPythonConsumerGoProviderRootSpan(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	url := testenv.Serve(t, goMetaService(), server.WithFilter("test-otel-py"))
	res := py.RunClientScript(t, "meta_client.py", "--url", url, "--case", "echo_headers")
	if len(res) != 1 || res[0]["error"] != nil {
		t.Fatalf("dubbo-python's call: %v", res)
	}
	var spans []sdktrace.ReadOnlySpan
	for _, s := range pyOtelSpans.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			spans = append(spans, s)
		}
	}
	if len(spans) != 1 {
		t.Fatalf("%d server spans, want 1 for the one call", len(spans))
	}
	s := spans[0]
	if s.Parent().IsValid() {
		t.Errorf("span %q has parent %v; a consumer without trace headers must get a root span", s.Name(), s.Parent())
	}
	if want := metaServiceName + "/"; len(s.Name()) <= len(want) || s.Name()[:len(want)] != want {
		t.Errorf("span name %q, want %s<method>", s.Name(), want)
	}
	if s.Status().Code.String() == "Error" {
		t.Errorf("span status %v for a call that succeeded", s.Status())
	}
}
