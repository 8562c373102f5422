package otel

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"

	otelapi "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"google.golang.org/protobuf/proto"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// Name is the name the interceptor is registered under, for `filter:`
// lists.
const Name = "stream-otel"

// instrumentation is the tracer's name.
const instrumentation = "github.com/dubbo-go-streamx/streamx/otel"

func init() {
	streamx.RegisterInterceptor(Name, func(*common.URL) (streamx.Interceptor, error) {
		return NewInterceptor(), nil
	})
}

// An Option configures NewInterceptor.
type Option interface{ apply(*config) }

type config struct {
	provider   trace.TracerProvider // nil: the global one, looked up per call
	propagator propagation.TextMapPropagator
	meters     metric.MeterProvider // nil: the global one
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithTracerProvider sets the provider of the spans (default: the global
// one, otel.GetTracerProvider, at each call).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.provider = tp })
}

// WithPropagator sets how the trace context travels in headers (default:
// the global one, otel.GetTextMapPropagator, at each call, or W3C trace
// context and baggage when it has no fields).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.propagator = p })
}

// WithMeterProvider sets the provider of the RPC metrics (default: the
// global one, otel.GetMeterProvider, which records nothing until one is
// set).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meters = mp })
}

// NewInterceptor returns an interceptor that traces every call it sees
// and records its RPC metrics. It is safe for concurrent use by any
// number of calls.
func NewInterceptor(opts ...Option) streamx.Interceptor {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return &interceptor{cfg: *c, meters: newMeters(c.meters)}
}

type interceptor struct {
	cfg    config
	meters *meters
}

var w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func (i *interceptor) tracer() trace.Tracer {
	tp := i.cfg.provider
	if tp == nil {
		tp = otelapi.GetTracerProvider()
	}
	return tp.Tracer(instrumentation)
}

func (i *interceptor) propagator() propagation.TextMapPropagator {
	if p := i.cfg.propagator; p != nil {
		return p
	}
	if p := otelapi.GetTextMapPropagator(); len(p.Fields()) > 0 {
		return p
	}
	return w3c
}

// WrapConn implements streamx.Interceptor: it starts the call's span.
func (i *interceptor) WrapConn(ctx context.Context, conn streamx.Conn) (context.Context, streamx.Conn, error) {
	info := conn.Info()
	attrs := []attribute.KeyValue{
		attribute.String("rpc.system", "grpc"),
		attribute.String("rpc.service", info.Service),
		attribute.String("rpc.method", info.Method),
	}
	kind := trace.SpanKindClient
	if info.Side == streamx.Provider {
		kind = trace.SpanKindServer
		ctx = i.propagator().Extract(ctx, headerCarrier(conn.RequestHeader()))
		if info.Peer != "" {
			attrs = append(attrs, attribute.String("network.peer.address", host(info.Peer)))
		}
	} else if info.Peer != "" {
		attrs = append(attrs, attribute.String("server.address", host(info.Peer)))
		if p := port(info.Peer); p > 0 {
			attrs = append(attrs, attribute.Int("server.port", p))
		}
	}
	ctx, span := i.tracer().Start(ctx, info.Service+"/"+info.Method, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
	in := &i.meters.client
	if kind == trace.SpanKindClient {
		i.propagator().Inject(ctx, headerCarrier(conn.RequestHeader()))
	} else {
		in = &i.meters.server
	}
	return ctx, &tracedConn{
		Conn: conn, span: span, server: kind == trace.SpanKindServer,
		metrics: callMetrics{in: in, attrs: attribute.NewSet(attrs[:3]...), start: time.Now()},
	}, nil
}

// tracedConn records a call's messages as events of its span and ends the
// span with the call.
type tracedConn struct {
	streamx.Conn
	span     trace.Span
	server   bool
	sent     atomic.Int64
	received atomic.Int64
	metrics  callMetrics
}

var (
	eventSent     = attribute.String("message.type", "SENT")
	eventReceived = attribute.String("message.type", "RECEIVED")
)

// Send implements streamx.Conn.
func (c *tracedConn) Send(msg any) error {
	err := c.Conn.Send(msg)
	if err == nil {
		c.event(eventSent, c.sent.Add(1), msg, !c.server)
	}
	return err
}

// Receive implements streamx.Conn.
func (c *tracedConn) Receive() (any, error) {
	msg, err := c.Conn.Receive()
	if err == nil {
		c.event(eventReceived, c.received.Add(1), msg, c.server)
	}
	return msg, err
}

// event records a message: its size in the metrics, and an rpc.message
// event on the span.
func (c *tracedConn) event(typ attribute.KeyValue, id int64, msg any, request bool) {
	n, sized := size(msg)
	if sized {
		c.metrics.message(request, n)
	}
	if !c.span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{typ, attribute.Int64("message.id", id)}
	if sized {
		attrs = append(attrs, attribute.Int("message.uncompressed_size", n))
	}
	c.span.AddEvent("rpc.message", trace.WithAttributes(attrs...))
}

// size is a message's encoded size, where it can be known without
// encoding it again: protobuf messages and raw bytes.
func size(msg any) (int, bool) {
	switch m := msg.(type) {
	case proto.Message:
		return proto.Size(m), true
	case []byte:
		return len(m), true
	}
	return 0, false
}

// CallEnded implements streamx.CallEnder: it ends the span with the
// call's status.
func (c *tracedConn) CallEnded(err error) {
	code := streamx.CodeOf(err)
	requests, responses := c.sent.Load(), c.received.Load()
	if c.server {
		requests, responses = responses, requests
	}
	c.metrics.end(int(code), requests, responses)
	c.span.SetAttributes(attribute.Int("rpc.grpc.status_code", int(code)))
	if err != nil && (!c.server || serverFault(code)) {
		c.span.SetStatus(codes.Error, err.Error())
	}
	c.span.End()
}

// serverFault reports whether a code is the server's failure, which the
// semantic conventions mark as a server span's error; the others are the
// client's.
func serverFault(c streamx.Code) bool {
	switch c {
	case streamx.CodeUnknown, streamx.CodeDeadlineExceeded, streamx.CodeUnimplemented,
		streamx.CodeInternal, streamx.CodeUnavailable, streamx.CodeDataLoss:
		return true
	}
	return false
}

// headerCarrier carries the trace context in request headers: it writes
// lower-case names, as the transport sends them, and reads either case.
type headerCarrier http.Header

func (h headerCarrier) Get(key string) string {
	key = strings.ToLower(key)
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return http.Header(h).Get(key)
}

func (h headerCarrier) Set(key, value string) { h[strings.ToLower(key)] = []string{value} }

func (h headerCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, strings.ToLower(k))
	}
	return keys
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func port(addr string) int {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		n, _ := strconv.Atoi(p)
		return n
	}
	return 0
}
