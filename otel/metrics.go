package otel

import (
	"context"
	"time"

	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// instruments are the RPC metrics of the semantic conventions, for one
// side: rpc.{client,server}.duration (ms), .request.size and
// .response.size (bytes, per message), .requests_per_rpc and
// .responses_per_rpc.
type instruments struct {
	duration     metric.Float64Histogram
	requestSize  metric.Int64Histogram
	responseSize metric.Int64Histogram
	requests     metric.Int64Histogram
	responses    metric.Int64Histogram
}

// meters are both sides' instruments.
type meters struct{ client, server instruments }

// newMeters makes the instruments from mp (nil: the global provider,
// whose instruments forward to the provider set later, as dubbo-go sets
// it). An instrument that cannot be made is a no-op: the SDK has already
// reported why to OpenTelemetry's error handler.
func newMeters(mp metric.MeterProvider) *meters {
	if mp == nil {
		mp = otelapi.GetMeterProvider()
	}
	m := mp.Meter(instrumentation)
	return &meters{client: newInstruments(m, "rpc.client"), server: newInstruments(m, "rpc.server")}
}

func newInstruments(m metric.Meter, prefix string) instruments {
	var in instruments
	in.duration, _ = m.Float64Histogram(prefix+".duration", metric.WithUnit("ms"),
		metric.WithDescription("How long the RPC took, from its start to its status."))
	in.requestSize, _ = m.Int64Histogram(prefix+".request.size", metric.WithUnit("By"),
		metric.WithDescription("The size of each request message, uncompressed."))
	in.responseSize, _ = m.Int64Histogram(prefix+".response.size", metric.WithUnit("By"),
		metric.WithDescription("The size of each response message, uncompressed."))
	in.requests, _ = m.Int64Histogram(prefix+".requests_per_rpc", metric.WithUnit("{count}"),
		metric.WithDescription("Request messages per RPC."))
	in.responses, _ = m.Int64Histogram(prefix+".responses_per_rpc", metric.WithUnit("{count}"),
		metric.WithDescription("Response messages per RPC."))
	return in
}

// callMetrics records one call's metrics.
type callMetrics struct {
	in    *instruments
	attrs attribute.Set // rpc.system, rpc.service, rpc.method
	start time.Time
}

// message records one message's size: requests are what a consumer sends
// and a provider receives.
func (c *callMetrics) message(request bool, size int) {
	h := c.in.responseSize
	if request {
		h = c.in.requestSize
	}
	if h != nil {
		h.Record(context.Background(), int64(size), metric.WithAttributeSet(c.attrs))
	}
}

// end records the call's duration and message counts with its code.
func (c *callMetrics) end(code int, requests, responses int64) {
	ctx := context.Background()
	opt := metric.WithAttributes(append(c.attrs.ToSlice(), attribute.Int("rpc.grpc.status_code", code))...)
	if c.in.duration != nil {
		c.in.duration.Record(ctx, float64(time.Since(c.start))/float64(time.Millisecond), opt)
	}
	if c.in.requests != nil {
		c.in.requests.Record(ctx, requests, opt)
	}
	if c.in.responses != nil {
		c.in.responses.Record(ctx, responses, opt)
	}
}
