package otel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"go.uber.org/goleak"

	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

const service = "streamx.test.Traced"

var (
	echo   = streamx.NewUnary[*pb.GreeterRequest, *pb.GreeterReply]("echo")
	join   = streamx.NewClientStream[*pb.GreeterRequest, *pb.GreeterReply]("join")
	repeat = streamx.NewServerStream[*pb.GreeterRequest, *pb.GreeterReply]("repeat")
	chat   = streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("chat")
)

// recorder records ended spans and tells a waiting test of each.
type recorder struct {
	*tracetest.SpanRecorder
	ended chan struct{}
}

func (r recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.SpanRecorder.OnEnd(s)
	r.ended <- struct{}{}
}

var (
	rec = recorder{tracetest.NewSpanRecorder(), make(chan struct{}, 64)}
	tp  = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	// callerTP makes the callers' own spans, which rec does not see.
	callerTP = sdktrace.NewTracerProvider()

	// handlerSpans has the span each handler's ctx carried, by method.
	handlerMu    sync.Mutex
	handlerSpans = map[string]trace.SpanContext{}
	handlerBag   = map[string]string{}
)

func init() {
	streamx.RegisterInterceptor("otel-test", func(*common.URL) (streamx.Interceptor, error) {
		return streamxotel.NewInterceptor(streamxotel.WithTracerProvider(tp)), nil
	})
}

func sawHandler(ctx context.Context, method string) {
	handlerMu.Lock()
	defer handlerMu.Unlock()
	handlerSpans[method] = trace.SpanContextFromContext(ctx)
	handlerBag[method] = baggage.FromContext(ctx).Member("user").Value()
}

func newService() *streamx.Service {
	svc := streamx.NewService(service)
	echo.Handle(svc, func(ctx context.Context, r *pb.GreeterRequest) (*pb.GreeterReply, error) {
		sawHandler(ctx, "echo")
		if r.Name == "deny" {
			return nil, streamx.NewError(streamx.CodePermissionDenied, "denied")
		}
		return &pb.GreeterReply{Message: "hi " + r.Name}, nil
	})
	join.Handle(svc, func(ctx context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
		sawHandler(ctx, "join")
		n := 0
		for range in.Messages() {
			n++
		}
		return &pb.GreeterReply{Message: "got"}, in.Err()
	})
	repeat.Handle(svc, func(ctx context.Context, r *pb.GreeterRequest, out *streamx.WriteStream[*pb.GreeterReply]) error {
		sawHandler(ctx, "repeat")
		if r.Name == "wait" {
			<-ctx.Done()
			return ctx.Err()
		}
		for range 3 {
			if err := out.Write(&pb.GreeterReply{Message: r.Name}); err != nil {
				return err
			}
		}
		return nil
	})
	chat.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
		sawHandler(ctx, "chat")
		for r := range s.Messages() {
			if err := s.Write(&pb.GreeterReply{Message: r.Name}); err != nil {
				return err
			}
		}
		return s.Err()
	})
	return svc
}

// serve serves the service, traced, as version (or none) and dials it.
func serve(t *testing.T, version string) *client.Connection {
	t.Helper()
	s, err := streamxtest.New(newService(), server.WithFilter("otel-test"), server.WithVersion(version))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := s.Dial(client.WithFilter("otel-test"), client.WithVersion(version))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// await waits for n more spans to end and returns the last two recorded.
func await(t *testing.T, n int) (consumer, provider sdktrace.ReadOnlySpan) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for range n {
		select {
		case <-rec.ended:
		case <-timeout:
			t.Fatalf("spans did not end; ended: %d", len(rec.Ended()))
		}
	}
	ended := rec.Ended()
	for _, s := range ended[len(ended)-n:] {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			consumer = s
		case trace.SpanKindServer:
			provider = s
		}
	}
	if consumer == nil || provider == nil {
		t.Fatalf("want a client and a server span, got %d spans", n)
	}
	return consumer, provider
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value
		}
	}
	return attribute.Value{}
}

// messages returns the span's rpc.message events as "SENT 1", ... in
// order, and checks each has a size and lies within the span.
func messages(t *testing.T, s sdktrace.ReadOnlySpan) []string {
	t.Helper()
	var out []string
	for _, e := range s.Events() {
		if e.Name != "rpc.message" {
			continue
		}
		var typ string
		var id int64
		sized := false
		for _, a := range e.Attributes {
			switch a.Key {
			case "message.type":
				typ = a.Value.AsString()
			case "message.id":
				id = a.Value.AsInt64()
			case "message.uncompressed_size":
				sized = a.Value.AsInt64() >= 0
			}
		}
		if !sized {
			t.Errorf("%s: event %s %d has no size", s.Name(), typ, id)
		}
		if e.Time.Before(s.StartTime()) || e.Time.After(s.EndTime()) {
			t.Errorf("%s: event %s %d at %v, outside the span %v..%v", s.Name(), typ, id, e.Time, s.StartTime(), s.EndTime())
		}
		out = append(out, typ+" "+string(rune('0'+id)))
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// check verifies the two spans of one call: names, kinds, one trace with
// the provider's span a child of the consumer's, the handler's ctx
// carrying the provider's span, the attributes, the messages, the code.
func check(t *testing.T, method string, c, p sdktrace.ReadOnlySpan, cMsgs, pMsgs []string, code streamx.Code) {
	t.Helper()
	name := service + "/" + method
	if c.Name() != name || p.Name() != name {
		t.Errorf("span names %q, %q, want %q", c.Name(), p.Name(), name)
	}
	if c.SpanContext().TraceID() != p.SpanContext().TraceID() {
		t.Errorf("two traces: %v, %v", c.SpanContext().TraceID(), p.SpanContext().TraceID())
	}
	if p.Parent().SpanID() != c.SpanContext().SpanID() || !p.Parent().IsRemote() {
		t.Errorf("provider's parent %v, want the consumer's span %v (remote)", p.Parent().SpanID(), c.SpanContext().SpanID())
	}
	handlerMu.Lock()
	hs, bag := handlerSpans[method], handlerBag[method]
	handlerMu.Unlock()
	if hs.SpanID() != p.SpanContext().SpanID() {
		t.Errorf("the handler's ctx carries span %v, want the provider's %v", hs.SpanID(), p.SpanContext().SpanID())
	}
	if bag != "alice" {
		t.Errorf("the handler's baggage user=%q, want alice", bag)
	}
	for _, s := range []sdktrace.ReadOnlySpan{c, p} {
		if got := attr(s, "rpc.system").AsString(); got != "grpc" {
			t.Errorf("%v rpc.system %q", s.SpanKind(), got)
		}
		if attr(s, "rpc.service").AsString() != service || attr(s, "rpc.method").AsString() != method {
			t.Errorf("%v rpc.service/method %v/%v", s.SpanKind(), attr(s, "rpc.service").Emit(), attr(s, "rpc.method").Emit())
		}
		got := attr(s, "rpc.grpc.status_code").AsInt64()
		// A provider past its deadline may hear the consumer's cancel
		// before its own timer fires: either is its status.
		late := s == p && code == streamx.CodeDeadlineExceeded && got == int64(streamx.CodeCanceled)
		if got != int64(code) && !late {
			t.Errorf("%v rpc.grpc.status_code %d, want %d", s.SpanKind(), got, code)
		}
	}
	if attr(c, "server.address").AsString() == "" {
		t.Error("consumer span without server.address")
	}
	if got := messages(t, c); cMsgs != nil && !equal(got, cMsgs) {
		t.Errorf("consumer messages %q, want %q", got, cMsgs)
	}
	if got := messages(t, p); pMsgs != nil && !equal(got, pMsgs) {
		t.Errorf("provider messages %q, want %q", got, pMsgs)
	}
	wantStatus := codes.Unset
	if code != streamx.CodeOK {
		wantStatus = codes.Error
	}
	if c.Status().Code != wantStatus {
		t.Errorf("consumer span status %v, want %v", c.Status(), wantStatus)
	}
}

// A caller's context with a span of its own and baggage, both of which
// must reach the provider.
func callerCtx(t *testing.T) (context.Context, trace.Span) {
	m, _ := baggage.NewMember("user", "alice")
	b, _ := baggage.New(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	ctx = baggage.ContextWithBaggage(ctx, b)
	return callerTP.Tracer("test").Start(ctx, "caller")
}

func drain(t *testing.T) {
	for {
		select {
		case <-rec.ended:
		default:
			return
		}
	}
}

func noLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func TestSpansPerKind(t *testing.T) {
	// dubbo-go's goroutines exist after a first call.
	if _, err := echo.Call(context.Background(), serve(t, "warm-up"), &pb.GreeterRequest{Name: "warm"}); err != nil {
		t.Fatal(err)
	}
	await(t, 2)
	noLeaks(t)
	conn := serve(t, "") // closed before the leak check
	sent := func(n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, "SENT "+string(rune('0'+i)))
		}
		return out
	}
	recv := func(n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, "RECEIVED "+string(rune('0'+i)))
		}
		return out
	}

	t.Run("unary", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		if _, err := echo.Call(ctx, conn, &pb.GreeterRequest{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		c, p := await(t, 2)
		check(t, "echo", c, p, append(sent(1), recv(1)...), append(recv(1), sent(1)...), streamx.CodeOK)
		if c.Parent().SpanID() != caller.SpanContext().SpanID() {
			t.Error("the consumer span is not the caller's span's child")
		}
		caller.End()
	})
	t.Run("client-stream", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		call, err := join.Start(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := call.Write(&pb.GreeterRequest{Name: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := call.Reply(); err != nil {
			t.Fatal(err)
		}
		c, p := await(t, 2)
		check(t, "join", c, p, append(sent(3), recv(1)...), append(recv(3), sent(1)...), streamx.CodeOK)
	})
	t.Run("server-stream", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		rs, err := repeat.Call(ctx, conn, &pb.GreeterRequest{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range rs.Messages() {
			n++
		}
		if rs.Err() != nil || n != 3 {
			t.Fatalf("%d replies, %v", n, rs.Err())
		}
		c, p := await(t, 2)
		check(t, "repeat", c, p, append(sent(1), recv(3)...), append(recv(1), sent(3)...), streamx.CodeOK)
	})
	t.Run("bidi-stream", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		s, err := chat.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 1; i <= 2; i++ {
			if err := s.Write(&pb.GreeterRequest{Name: "x"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(); err != nil {
				t.Fatal(err)
			}
			want = append(want, "SENT "+string(rune('0'+i)), "RECEIVED "+string(rune('0'+i)))
		}
		_ = s.DoneWriting()
		if _, err := s.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("end: %v", err)
		}
		// Both spans end before the consumer sees the end.
		if n := len(rec.ended); n != 2 {
			t.Errorf("%d spans had ended when the read returned io.EOF, want 2", n)
		}
		c, p := await(t, 2)
		check(t, "chat", c, p, want, []string{"RECEIVED 1", "SENT 1", "RECEIVED 2", "SENT 2"}, streamx.CodeOK)
	})
	t.Run("error", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		if _, err := echo.Call(ctx, conn, &pb.GreeterRequest{Name: "deny"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
			t.Fatalf("err %v", err)
		}
		c, p := await(t, 2)
		check(t, "echo", c, p, sent(1), recv(1), streamx.CodePermissionDenied)
		if p.Status().Code != codes.Unset {
			t.Errorf("a client's fault marks the server span %v", p.Status())
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		s, err := chat.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(&pb.GreeterRequest{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		c, p := await(t, 2)
		check(t, "chat", c, p, []string{"SENT 1", "RECEIVED 1"}, nil, streamx.CodeCanceled)
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, caller := callerCtx(t)
		defer caller.End()
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		rs, err := repeat.Call(ctx, conn, &pb.GreeterRequest{Name: "wait"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Read(); streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
			t.Fatalf("read: %v", err)
		}
		c, p := await(t, 2)
		check(t, "repeat", c, p, []string{"SENT 1"}, []string{"RECEIVED 1"}, streamx.CodeDeadlineExceeded)
	})
}

// A consumer that sends no trace headers (dubbo-python) gets a root span
// on the provider.
func TestProviderRootSpan(t *testing.T) {
	s, err := streamxtest.New(newService(), server.WithFilter("otel-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := s.Dial() // no tracing on the consumer
	if err != nil {
		t.Fatal(err)
	}
	drain(t)
	var h http.Header
	if _, err := echo.Call(context.Background(), conn, &pb.GreeterRequest{Name: "x"}, streamx.ResponseHeader(&h)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("no span ended")
	}
	ended := rec.Ended()
	p := ended[len(ended)-1]
	if p.SpanKind() != trace.SpanKindServer || p.Parent().IsValid() {
		t.Fatalf("span %v with parent %v, want a root server span", p.SpanKind(), p.Parent())
	}
}
