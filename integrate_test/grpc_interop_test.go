package integrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/interop"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	testpb "google.golang.org/grpc/interop/grpc_testing"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// grpc-go's interop test cases (package google.golang.org/grpc/interop),
// in both directions: grpc-go's client against a streamx provider of
// grpc.testing.TestService, and a streamx consumer against grpc-go's
// interop.NewTestServer.

const testService = "grpc.testing.TestService"

// The TestService methods, declared with streamx's public API; the
// provider and the consumer share them.
var (
	tsEmpty      = streamx.NewUnary[*testpb.Empty, *testpb.Empty]("EmptyCall")
	tsUnary      = streamx.NewUnary[*testpb.SimpleRequest, *testpb.SimpleResponse]("UnaryCall")
	tsOutput     = streamx.NewServerStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]("StreamingOutputCall")
	tsInput      = streamx.NewClientStream[*testpb.StreamingInputCallRequest, *testpb.StreamingInputCallResponse]("StreamingInputCall")
	tsFullDuplex = streamx.NewBidiStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]("FullDuplexCall")
	tsHalfDuplex = streamx.NewBidiStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]("HalfDuplexCall")
	tsUnimpl     = streamx.NewUnary[*testpb.Empty, *testpb.Empty]("UnimplementedCall")
)

const (
	echoInitialKey  = "x-grpc-test-echo-initial"
	echoTrailingKey = "x-grpc-test-echo-trailing-bin"
)

// interopLogger is grpclog's logger for the interop cases, which call
// logger.Fatal on failure: Fatal fails the running test instead of
// exiting the process.
type interopLogger struct {
	t atomic.Pointer[testing.T]
}

var theInteropLogger = func() *interopLogger {
	l := &interopLogger{}
	grpclog.SetLoggerV2(l)
	return l
}()

// use makes t the test that Fatal fails, until it ends.
func (l *interopLogger) use(t *testing.T) {
	l.t.Store(t)
	t.Cleanup(func() { l.t.CompareAndSwap(t, nil) })
}

func (l *interopLogger) fatal(msg string) {
	if t := l.t.Load(); t != nil {
		t.Helper()
		t.Fatal(msg)
	}
	panic(msg)
}

func (l *interopLogger) Info(...any)                    {}
func (l *interopLogger) Infoln(...any)                  {}
func (l *interopLogger) Infof(string, ...any)           {}
func (l *interopLogger) Warning(...any)                 {}
func (l *interopLogger) Warningln(...any)               {}
func (l *interopLogger) Warningf(string, ...any)        {}
func (l *interopLogger) Error(args ...any)              {}
func (l *interopLogger) Errorln(args ...any)            {}
func (l *interopLogger) Errorf(string, ...any)          {}
func (l *interopLogger) Fatal(args ...any)              { l.fatal(fmt.Sprint(args...)) }
func (l *interopLogger) Fatalln(args ...any)            { l.fatal(fmt.Sprintln(args...)) }
func (l *interopLogger) Fatalf(format string, a ...any) { l.fatal(fmt.Sprintf(format, a...)) }
func (l *interopLogger) V(int) bool                     { return false }

// payload returns a COMPRESSABLE payload of size zero bytes, or an error
// for another type, as interop's server does.
func payload(t testpb.PayloadType, size int32) (*testpb.Payload, error) {
	if t != testpb.PayloadType_COMPRESSABLE {
		return nil, streamx.Errorf(streamx.CodeInvalidArgument, "unsupported payload type %d", t)
	}
	if size < 0 {
		return nil, streamx.Errorf(streamx.CodeInvalidArgument, "invalid length %d", size)
	}
	return &testpb.Payload{Type: t, Body: make([]byte, size)}, nil
}

// echoMetadata echoes the interop metadata keys: the initial one as a
// response header, the trailing one as a trailer.
func echoMetadata(ctx context.Context) error {
	h := streamx.RequestHeader(ctx)
	if v := h.Values(echoInitialKey); len(v) > 0 {
		if err := streamx.SetHeader(ctx, http.Header{echoInitialKey: v[:1]}); err != nil {
			return err
		}
	}
	if v := h.Values(echoTrailingKey); len(v) > 0 {
		if err := streamx.SetTrailer(ctx, http.Header{echoTrailingKey: v[:1]}); err != nil {
			return err
		}
	}
	return nil
}

func echoStatus(st *testpb.EchoStatus) error {
	if st != nil && st.Code != 0 {
		return streamx.NewError(streamx.Code(st.Code), st.Message)
	}
	return nil
}

// writeResponses sends the responses one streaming request asks for.
func writeResponses(out *streamx.WriteStream[*testpb.StreamingOutputCallResponse], in *testpb.StreamingOutputCallRequest) error {
	for _, p := range in.GetResponseParameters() {
		if us := p.GetIntervalUs(); us > 0 {
			time.Sleep(time.Duration(us) * time.Microsecond)
		}
		pl, err := payload(in.GetResponseType(), p.GetSize())
		if err != nil {
			return err
		}
		if err := out.Write(&testpb.StreamingOutputCallResponse{Payload: pl}); err != nil {
			return err
		}
	}
	return nil
}

// testServiceProvider implements grpc.testing.TestService with streamx,
// as interop.NewTestServer does with grpc-go.
func testServiceProvider() *streamx.Service {
	svc := streamx.NewService(testService)
	tsEmpty.Handle(svc, func(context.Context, *testpb.Empty) (*testpb.Empty, error) { return &testpb.Empty{}, nil })
	tsUnary.Handle(svc, func(ctx context.Context, in *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
		if err := echoMetadata(ctx); err != nil {
			return nil, err
		}
		if err := echoStatus(in.GetResponseStatus()); err != nil {
			return nil, err
		}
		pl, err := payload(in.GetResponseType(), in.GetResponseSize())
		if err != nil {
			return nil, err
		}
		return &testpb.SimpleResponse{Payload: pl}, nil
	})
	tsOutput.Handle(svc, func(_ context.Context, in *testpb.StreamingOutputCallRequest, out *streamx.WriteStream[*testpb.StreamingOutputCallResponse]) error {
		return writeResponses(out, in)
	})
	tsInput.Handle(svc, func(_ context.Context, in *streamx.ReadStream[*testpb.StreamingInputCallRequest]) (*testpb.StreamingInputCallResponse, error) {
		sum := 0
		for m := range in.Messages() {
			sum += len(m.GetPayload().GetBody())
		}
		if err := in.Err(); err != nil {
			return nil, err
		}
		return &testpb.StreamingInputCallResponse{AggregatedPayloadSize: int32(sum)}, nil
	})
	tsFullDuplex.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]) error {
		if err := echoMetadata(ctx); err != nil {
			return err
		}
		for {
			in, err := s.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := echoStatus(in.GetResponseStatus()); err != nil {
				return err
			}
			if err := writeResponses(s.WriteStream, in); err != nil {
				return err
			}
		}
	})
	tsHalfDuplex.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]) error {
		var all []*testpb.StreamingOutputCallRequest
		for m := range s.Messages() {
			all = append(all, m)
		}
		if err := s.Err(); err != nil {
			return err
		}
		for _, m := range all {
			if err := writeResponses(s.WriteStream, m); err != nil {
				return err
			}
		}
		return nil
	})
	return svc
}

// grpc-go's interop client against a streamx provider.
func TestGRPCInteropClientToStreamx(t *testing.T) {
	url := testenv.Serve(t, testServiceProvider())
	cc, err := grpc.NewClient(url[len("tri://"):], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	tc := testgrpc.NewTestServiceClient(cc)
	cases := []struct {
		name string
		run  func(ctx context.Context)
	}{
		{"empty_unary", func(ctx context.Context) { interop.DoEmptyUnaryCall(ctx, tc) }},
		{"large_unary", func(ctx context.Context) { interop.DoLargeUnaryCall(ctx, tc) }},
		{"client_streaming", func(ctx context.Context) { interop.DoClientStreaming(ctx, tc) }},
		{"server_streaming", func(ctx context.Context) { interop.DoServerStreaming(ctx, tc) }},
		{"ping_pong", func(ctx context.Context) { interop.DoPingPong(ctx, tc) }},
		{"empty_stream", func(ctx context.Context) { interop.DoEmptyStream(ctx, tc) }},
		{"timeout_on_sleeping_server", func(ctx context.Context) { interop.DoTimeoutOnSleepingServer(ctx, tc) }},
		{"cancel_after_begin", func(ctx context.Context) { interop.DoCancelAfterBegin(ctx, tc) }},
		{"cancel_after_first_response", func(ctx context.Context) { interop.DoCancelAfterFirstResponse(ctx, tc) }},
		{"status_code_and_message", func(ctx context.Context) { interop.DoStatusCodeAndMessage(ctx, tc) }},
		{"special_status_message", func(ctx context.Context) { interop.DoSpecialStatusMessage(ctx, tc) }},
		{"unimplemented_method", func(ctx context.Context) { interop.DoUnimplementedMethod(ctx, cc) }},
		{"custom_metadata", func(ctx context.Context) { interop.DoCustomMetadata(ctx, tc) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			theInteropLogger.use(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c.run(ctx)
		})
	}
}
