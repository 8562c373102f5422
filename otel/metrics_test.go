package otel_test

import (
	"context"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// metricReader reads deltas: a collection holds what was recorded since
// the one before (-count=2 runs TestMetrics again).
var metricReader = sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(
	func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }))

func init() {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(metricReader))
	streamx.RegisterInterceptor("otel-metrics", func(*common.URL) (streamx.Interceptor, error) {
		return streamxotel.NewInterceptor(streamxotel.WithTracerProvider(callerTP), streamxotel.WithMeterProvider(mp)), nil
	})
}

// histogram returns the data points of the named histogram, by
// rpc.method and rpc.grpc.status_code ("method/code" or "method").
func histogram(t *testing.T, rm metricdata.ResourceMetrics, name string) map[string]metricdata.HistogramDataPoint[int64] {
	t.Helper()
	out := map[string]metricdata.HistogramDataPoint[int64]{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = p
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = metricdata.HistogramDataPoint[int64]{Attributes: p.Attributes, Count: p.Count}
				}
			}
		}
	}
	return out
}

func key(s attribute.Set) string {
	m, _ := s.Value("rpc.method")
	k := m.AsString()
	if c, ok := s.Value("rpc.grpc.status_code"); ok {
		k += "/" + c.Emit()
	}
	return k
}

// The RPC metrics of the semantic conventions, on both sides: a server
// stream of three replies and a refused unary call.
func TestMetrics(t *testing.T) {
	var rm metricdata.ResourceMetrics
	if err := metricReader.Collect(context.Background(), &rm); err != nil { // what earlier runs left
		t.Fatal(err)
	}
	s, err := streamxtest.New(newService(), server.WithFilter("otel-metrics"), server.WithVersion("metrics"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Dial(client.WithFilter("otel-metrics"), client.WithVersion("metrics"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs, err := repeat.Call(ctx, conn, &pb.GreeterRequest{Name: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	for range rs.Messages() {
	}
	if rs.Err() != nil {
		t.Fatal(rs.Err())
	}
	if _, err := echo.Call(ctx, conn, &pb.GreeterRequest{Name: "deny"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("echo: %v", err)
	}
	s.Close() // the provider's metrics are recorded once its calls have ended

	if err := metricReader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"rpc.client", "rpc.server"} {
		d := histogram(t, rm, side+".duration")
		if d["repeat/0"].Count != 1 || d["echo/7"].Count != 1 {
			t.Errorf("%s.duration: %v, want one repeat/0 and one echo/7", side, d)
		}
		if p := histogram(t, rm, side+".requests_per_rpc")["repeat/0"]; p.Count != 1 || p.Sum != 1 {
			t.Errorf("%s.requests_per_rpc of repeat: %d calls, sum %d; want 1, 1", side, p.Count, p.Sum)
		}
		if p := histogram(t, rm, side+".responses_per_rpc")["repeat/0"]; p.Count != 1 || p.Sum != 3 {
			t.Errorf("%s.responses_per_rpc of repeat: %d calls, sum %d; want 1, 3", side, p.Count, p.Sum)
		}
		// "abc" is a 5-byte request, each "abc" reply 5 bytes.
		if p := histogram(t, rm, side+".request.size")["repeat"]; p.Count != 1 || p.Sum != 5 {
			t.Errorf("%s.request.size of repeat: %d messages, %d bytes; want 1, 5", side, p.Count, p.Sum)
		}
		if p := histogram(t, rm, side+".response.size")["repeat"]; p.Count != 3 || p.Sum != 15 {
			t.Errorf("%s.response.size of repeat: %d messages, %d bytes; want 3, 15", side, p.Count, p.Sum)
		}
	}
}
