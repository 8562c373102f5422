// Package otel traces streamx calls with OpenTelemetry: one span per call
// on each side, covering its whole life (from the call opening to its last
// message and status), with an "rpc.message" event per message and the
// attributes of the OpenTelemetry RPC semantic conventions. The trace
// context (W3C traceparent and tracestate) and baggage travel in the
// request headers, so a trace continues across streamx, grpc-go (otelgrpc)
// and any other peer that propagates W3C headers; a provider whose
// consumer sent none (dubbo-python) starts a root span.
//
// It is a typed interceptor (streamx.Interceptor). Importing the package
// registers it as "stream-otel": add that name to a service's or
// reference's `filter:` list in dubbogo.yml (or server.WithFilter /
// client.WithFilter). The registered one uses OpenTelemetry's global
// TracerProvider and propagator, which dubbo-go sets from the `otel:
// tracing:` keys of dubbogo.yml (exporter, sampler, propagator); a
// propagator with no fields (OpenTelemetry's default) is replaced by W3C
// trace context and baggage. NewInterceptor makes one with its own
// provider, for RegisterInterceptor under another name.
//
// It also records the RPC metrics of the conventions through the global
// MeterProvider (or WithMeterProvider): rpc.client.duration and
// rpc.server.duration (ms, by rpc.system, rpc.service, rpc.method and
// rpc.grpc.status_code), .request.size and .response.size per message,
// and .requests_per_rpc and .responses_per_rpc. They sit beside the
// Prometheus stream-metrics filter of package filter; dubbo-go v3.3.2's
// dubbogo.yml sets no MeterProvider, so set one with otel.SetMeterProvider
// to export them.
//
// On a provider the handler's ctx carries the server span, so calls the
// handler makes continue the trace.
//
// Cost: every message adds an event to its span, most of the cost;
// BenchmarkBidiMessage (go test -run '^$' -bench BidiMessage ./otel/) and
// make bench (streamx against streamx-otel, bench/README.md) measure it.
// The SDK keeps at most
// 128 events per span by default (sdktrace.WithSpanLimits raises it): a
// long stream's later messages are counted as dropped events.
package otel
