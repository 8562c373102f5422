package otelgrpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

const service = "streamx.test.CrossTrace"

var chat = streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("chat")

// Both peers record into one provider, as two processes exporting to one
// collector would.
var (
	rec = recorder{tracetest.NewSpanRecorder(), make(chan sdktrace.ReadOnlySpan, 16)}
	tp  = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
)

type recorder struct {
	*tracetest.SpanRecorder
	ended chan sdktrace.ReadOnlySpan
}

func (r recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.SpanRecorder.OnEnd(s)
	r.ended <- s
}

func init() {
	streamx.RegisterInterceptor("otel-cross", func(*common.URL) (streamx.Interceptor, error) {
		return streamxotel.NewInterceptor(streamxotel.WithTracerProvider(tp), streamxotel.WithPropagator(w3c)), nil
	})
}

// spans waits for a client and a server span to end.
func spans(t *testing.T) (client, server sdktrace.ReadOnlySpan) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for client == nil || server == nil {
		select {
		case s := <-rec.ended:
			switch s.SpanKind() {
			case trace.SpanKindClient:
				client = s
			case trace.SpanKindServer:
				server = s
			}
		case <-timeout:
			t.Fatalf("spans did not end (client %v, server %v)", client != nil, server != nil)
		}
	}
	return client, server
}

func sameTrace(t *testing.T, c, s sdktrace.ReadOnlySpan) {
	t.Helper()
	if c.SpanContext().TraceID() != s.SpanContext().TraceID() {
		t.Errorf("two traces: client %v, server %v", c.SpanContext().TraceID(), s.SpanContext().TraceID())
	}
	if s.Parent().SpanID() != c.SpanContext().SpanID() || !s.Parent().IsRemote() {
		t.Errorf("server span's parent %v (remote %v), want the client span %v", s.Parent().SpanID(), s.Parent().IsRemote(), c.SpanContext().SpanID())
	}
}

var chatDesc = grpc.StreamDesc{StreamName: "chat", ServerStreams: true, ClientStreams: true}

// grpc-go's client with otelgrpc calls a streamx provider: one trace.
func TestGRPCClientToStreamxProvider(t *testing.T) {
	svc := streamx.NewService(service)
	chat.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
		for r := range s.Messages() {
			if err := s.Write(&pb.GreeterReply{Message: r.Name}); err != nil {
				return err
			}
		}
		return s.Err()
	})
	url := testenv.Serve(t, svc, server.WithFilter("otel-cross"))
	cc, err := grpc.NewClient(url[len("tri://"):],
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(w3c))))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := cc.NewStream(ctx, &chatDesc, "/"+service+"/chat")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := st.SendMsg(&pb.GreeterRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	for {
		if err := st.RecvMsg(new(pb.GreeterReply)); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	c, s := spans(t)
	sameTrace(t, c, s)
	if n := len(s.Events()); n != 4 {
		t.Errorf("the streamx server span has %d events, want 4 (2 received, 2 sent)", n)
	}
}

// A streamx consumer calls a grpc-go server with otelgrpc: one trace.
func TestStreamxConsumerToGRPCServer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(w3c))))
	gs.RegisterService(&grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{{
			StreamName: "chat", ServerStreams: true, ClientStreams: true,
			Handler: func(_ any, st grpc.ServerStream) error {
				for {
					r := new(pb.GreeterRequest)
					if err := st.RecvMsg(r); errors.Is(err, io.EOF) {
						return nil
					} else if err != nil {
						return err
					}
					if err := st.SendMsg(&pb.GreeterReply{Message: r.Name}); err != nil {
						return err
					}
				}
			},
		}},
	}, struct{}{})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	conn := testenv.Dial(t, service, "tri://"+lis.Addr().String(), client.WithFilter("otel-cross"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := chat.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := s.Write(&pb.GreeterRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.DoneWriting()
	for range s.Messages() {
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	c, sv := spans(t)
	sameTrace(t, c, sv)
	if n := len(c.Events()); n != 4 {
		t.Errorf("the streamx client span has %d events, want 4 (2 sent, 2 received)", n)
	}
}
