package otel_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	otelapi "go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/dubbo-go-streamx/streamx/config"
	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// dubbo-go's own tracing keys in dubbogo.yml (dubbo.otel.tracing) set the
// tracer provider (exporter, sampler) the registered "stream-otel"
// interceptor uses: its spans reach the provider the file configured.
// (The stdout exporter prints them on the test's stdout too.)
func TestTracingFromDubbogoYML(t *testing.T) {
	// Once per process, before dubbo-go runs (see config's doc): -count=2
	// runs this test again.
	loadOnce.Do(func() {
		_, loadErr = config.LoadBytes("dubbogo.yml", []byte(`
dubbo:
  application:
    name: traced
  otel:
    tracing:
      enable: true
      exporter: stdout
      sample-mode: always
`))
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	tp, ok := otelapi.GetTracerProvider().(*sdktrace.TracerProvider)
	if !ok {
		t.Fatalf("dubbogo.yml set no SDK tracer provider: %T", otelapi.GetTracerProvider())
	}
	seen := recorder{tracetest.NewSpanRecorder(), make(chan struct{}, 8)}
	tp.RegisterSpanProcessor(seen)
	defer tp.UnregisterSpanProcessor(seen)

	s, err := streamxtest.New(newService(), server.WithFilter(streamxotel.Name), server.WithVersion("yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Dial(client.WithFilter(streamxotel.Name), client.WithVersion("yml"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := repeat.Call(context.Background(), conn, &pb.GreeterRequest{Name: "yml"})
	if err != nil {
		t.Fatal(err)
	}
	for range rs.Messages() {
	}
	if rs.Err() != nil {
		t.Fatal(rs.Err())
	}
	for range 2 {
		select {
		case <-seen.ended:
		case <-time.After(10 * time.Second):
			t.Fatalf("spans did not end: %d did", len(seen.Ended()))
		}
	}
	var kinds []string
	for _, sp := range seen.Ended() {
		if sp.Name() != service+"/repeat" {
			t.Errorf("span %q", sp.Name())
		}
		kinds = append(kinds, sp.SpanKind().String())
		if n := len(sp.Events()); n != 4 {
			t.Errorf("%v span: %d events, want 4", sp.SpanKind(), n)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"client", "server"}) {
		t.Fatalf("spans %v, want a client and a server span", kinds)
	}
}

var (
	loadOnce sync.Once
	loadErr  error
)
