package integrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/grpclog"
	"google.golang.org/grpc/interop"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

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
	cc, tc := dialGRPCInterop(t, testenv.Serve(t, testServiceProvider()))
	runGRPCInteropCases(t, cc, tc, "empty_unary", "large_unary", "client_streaming", "server_streaming",
		"ping_pong", "empty_stream", "timeout_on_sleeping_server", "cancel_after_begin",
		"cancel_after_first_response", "status_code_and_message", "special_status_message",
		"unimplemented_method", "custom_metadata")
}

// grpcInteropCases are grpc-go's interop client cases, by their interop names.
var grpcInteropCases = map[string]func(ctx context.Context, cc *grpc.ClientConn, tc testpb.TestServiceClient){
	"empty_unary": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoEmptyUnaryCall(ctx, tc)
	},
	"large_unary": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoLargeUnaryCall(ctx, tc)
	},
	"client_streaming": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoClientStreaming(ctx, tc)
	},
	"server_streaming": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoServerStreaming(ctx, tc)
	},
	"ping_pong": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoPingPong(ctx, tc)
	},
	"empty_stream": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoEmptyStream(ctx, tc)
	},
	"timeout_on_sleeping_server": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoTimeoutOnSleepingServer(ctx, tc)
	},
	"cancel_after_begin": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoCancelAfterBegin(ctx, tc)
	},
	"cancel_after_first_response": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoCancelAfterFirstResponse(ctx, tc)
	},
	"status_code_and_message": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoStatusCodeAndMessage(ctx, tc)
	},
	"special_status_message": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoSpecialStatusMessage(ctx, tc)
	},
	"unimplemented_method": func(ctx context.Context, cc *grpc.ClientConn, _ testpb.TestServiceClient) {
		interop.DoUnimplementedMethod(ctx, cc)
	},
	"custom_metadata": func(ctx context.Context, _ *grpc.ClientConn, tc testpb.TestServiceClient) {
		interop.DoCustomMetadata(ctx, tc)
	},
}

// dialGRPCInterop connects grpc-go's interop client to the provider at url.
func dialGRPCInterop(t *testing.T, url string) (*grpc.ClientConn, testpb.TestServiceClient) {
	t.Helper()
	cc, err := grpc.NewClient(strings.TrimPrefix(url, "tri://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc, testpb.NewTestServiceClient(cc)
}

// runGRPCInteropCases runs the named interop cases, each as a subtest with
// a 20 s deadline; grpc-go's interop functions fail through its logger.
func runGRPCInteropCases(t *testing.T, cc *grpc.ClientConn, tc testpb.TestServiceClient, names ...string) {
	for _, name := range names {
		run, ok := grpcInteropCases[name]
		if !ok {
			t.Fatalf("no interop case %q", name)
		}
		t.Run(name, func(t *testing.T) {
			theInteropLogger.use(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			run(ctx, cc, tc)
		})
	}
}

// serveGRPCTestServer runs grpc-go's interop.NewTestServer on a 127.0.0.1
// port and returns its tri URL.
func serveGRPCTestServer(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	testpb.RegisterTestServiceServer(srv, interop.NewTestServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return "tri://" + lis.Addr().String()
}

// A streamx consumer against grpc-go's interop test server: the interop
// cases, written with streamx's API.
func TestStreamxToGRPCInteropServer(t *testing.T) {
	conn := testenv.Dial(t, testService, serveGRPCTestServer(t))
	reqSizes := []int{27182, 8, 1828, 45904}
	respSizes := []int32{31415, 9, 2653, 58979}
	body := func(n int) *testpb.Payload {
		return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: make([]byte, n)}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context)
	}{
		{"empty_unary", func(t *testing.T, ctx context.Context) {
			if r, err := tsEmpty.Call(ctx, conn, &testpb.Empty{}); err != nil || r == nil {
				t.Fatal(r, err)
			}
		}},
		{"large_unary", func(t *testing.T, ctx context.Context) {
			r, err := tsUnary.Call(ctx, conn, &testpb.SimpleRequest{ResponseType: testpb.PayloadType_COMPRESSABLE, ResponseSize: 314159, Payload: body(271828)})
			if err != nil || len(r.GetPayload().GetBody()) != 314159 {
				t.Fatal(len(r.GetPayload().GetBody()), err)
			}
		}},
		{"client_streaming", func(t *testing.T, ctx context.Context) {
			s, err := tsInput.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, n := range reqSizes {
				if err := s.Write(&testpb.StreamingInputCallRequest{Payload: body(n)}); err != nil {
					t.Fatal(err)
				}
				sum += n
			}
			_ = s.DoneWriting()
			r, err := s.Read()
			if err != nil || int(r.GetAggregatedPayloadSize()) != sum {
				t.Fatal(r, err)
			}
		}},
		{"server_streaming", func(t *testing.T, ctx context.Context) {
			var params []*testpb.ResponseParameters
			for _, n := range respSizes {
				params = append(params, &testpb.ResponseParameters{Size: n})
			}
			rs, err := tsOutput.Call(ctx, conn, &testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE, ResponseParameters: params})
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for r, err := range rs.All() {
				if err != nil {
					t.Fatal(err)
				}
				if i >= len(respSizes) || len(r.GetPayload().GetBody()) != int(respSizes[i]) {
					t.Fatalf("reply %d: %d bytes", i, len(r.GetPayload().GetBody()))
				}
				i++
			}
			if i != len(respSizes) {
				t.Fatalf("%d replies", i)
			}
		}},
		{"ping_pong", func(t *testing.T, ctx context.Context) {
			s, err := tsFullDuplex.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range reqSizes {
				if err := s.Write(&testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE,
					ResponseParameters: []*testpb.ResponseParameters{{Size: respSizes[i]}}, Payload: body(n)}); err != nil {
					t.Fatal(err)
				}
				r, err := s.Read()
				if err != nil || len(r.GetPayload().GetBody()) != int(respSizes[i]) {
					t.Fatal(i, err)
				}
			}
			_ = s.DoneWriting()
			if _, err := s.Read(); !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
		}},
		{"cancel_after_begin", func(t *testing.T, ctx context.Context) {
			ctx, cancel := context.WithCancel(ctx)
			s, err := tsInput.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeCanceled {
				t.Fatalf("read after cancel: %v (code %v), want CANCELLED", err, streamx.CodeOf(err))
			}
		}},
		{"cancel_after_first_response", func(t *testing.T, ctx context.Context) {
			ctx, cancel := context.WithCancel(ctx)
			s, err := tsFullDuplex.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(&testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE,
				ResponseParameters: []*testpb.ResponseParameters{{Size: 31415}}, Payload: body(27182)}); err != nil {
				t.Fatal(err)
			}
			if r, err := s.Read(); err != nil || len(r.GetPayload().GetBody()) != 31415 {
				t.Fatal(err)
			}
			cancel()
			if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeCanceled {
				t.Fatalf("read after cancel: %v (code %v), want CANCELLED", err, streamx.CodeOf(err))
			}
		}},
		{"empty_stream", func(t *testing.T, ctx context.Context) {
			s, err := tsFullDuplex.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			_ = s.DoneWriting()
			if _, err := s.Read(); !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
		}},
		{"custom_metadata", func(t *testing.T, ctx context.Context) {
			const initial, trailing = "test_initial_metadata_value", "\x0a\x0b\x0a\x0b\x0a\x0b"
			md := streamx.WithRequestHeader(http.Header{echoInitialKey: {initial}, echoTrailingKey: {trailing}})
			check := func(what string, h, tr http.Header) {
				t.Helper()
				if h.Get(echoInitialKey) != initial || tr.Get(echoTrailingKey) != trailing {
					t.Fatalf("%s: header %v trailer %q", what, h, tr)
				}
			}
			var h, tr http.Header
			r, err := tsUnary.Call(ctx, conn, &testpb.SimpleRequest{ResponseType: testpb.PayloadType_COMPRESSABLE, ResponseSize: 1, Payload: body(1)},
				md, streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr))
			if err != nil || len(r.GetPayload().GetBody()) != 1 {
				t.Fatal(r, err)
			}
			check("unary", h, tr)
			s, err := tsFullDuplex.Open(ctx, conn, md)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(&testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE,
				ResponseParameters: []*testpb.ResponseParameters{{Size: 1}}, Payload: body(1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(); err != nil {
				t.Fatal(err)
			}
			_ = s.DoneWriting()
			if _, err := s.Read(); !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			check("bidi", s.Header(), s.Trailer())
		}},
		{"status_code_and_message", func(t *testing.T, ctx context.Context) {
			st := &testpb.EchoStatus{Code: 2, Message: "test status message"}
			_, err := tsUnary.Call(ctx, conn, &testpb.SimpleRequest{ResponseStatus: st})
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeUnknown || se.Message() != st.Message {
				t.Fatalf("unary: %v", err)
			}
			s, err := tsFullDuplex.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(&testpb.StreamingOutputCallRequest{ResponseStatus: st}); err != nil {
				t.Fatal(err)
			}
			_ = s.DoneWriting()
			if _, err := s.Read(); !errors.As(err, &se) || se.Code() != streamx.CodeUnknown || se.Message() != st.Message {
				t.Fatalf("bidi: %v", err)
			}
		}},
		{"special_status_message", func(t *testing.T, ctx context.Context) {
			const msg = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
			_, err := tsUnary.Call(ctx, conn, &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: 2, Message: msg}})
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeUnknown || se.Message() != msg {
				t.Fatalf("%q", err)
			}
		}},
		{"unimplemented_method", func(t *testing.T, ctx context.Context) {
			if _, err := tsUnimpl.Call(ctx, conn, &testpb.Empty{}); streamx.CodeOf(err) != streamx.CodeUnimplemented {
				t.Fatal(err)
			}
		}},
		{"timeout_on_sleeping_server", func(t *testing.T, ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			defer cancel()
			s, err := tsFullDuplex.Open(ctx, conn)
			if err != nil {
				if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
					t.Fatal(err)
				}
				return
			}
			_ = s.Write(&testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE, Payload: body(27182)})
			if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c.run(t, ctx)
		})
	}
}

// Status details (google.rpc.Status in grpc-status-details-bin) cross
// between streamx and grpc-go both ways: streamx's (*Error).AddDetail is
// grpc-go's status.FromError(err).Details(), and grpc-go's
// status.WithDetails is streamx's (*Error).Details().
var rcStart = streamx.NewUnary[*testpb.ReconnectParams, *testpb.Empty]("Start")

type detailServer struct {
	testpb.UnimplementedReconnectServiceServer
}

func (detailServer) Start(context.Context, *testpb.ReconnectParams) (*testpb.Empty, error) {
	st, err := status.New(codes.NotFound, "from grpc-go").WithDetails(&testpb.ReconnectInfo{Passed: true, BackoffMs: []int32{7}})
	if err != nil {
		return nil, err
	}
	return nil, st.Err()
}

func TestStatusDetailsWithGRPC(t *testing.T) {
	const rcService = "grpc.testing.ReconnectService"
	detail := &testpb.ReconnectInfo{Passed: true, BackoffMs: []int32{7}}
	t.Run("grpc-go client, streamx provider", func(t *testing.T) {
		svc := streamx.NewService(rcService)
		rcStart.Handle(svc, func(context.Context, *testpb.ReconnectParams) (*testpb.Empty, error) {
			e := streamx.NewError(streamx.CodeNotFound, "from streamx")
			if err := e.AddDetail(detail); err != nil {
				return nil, err
			}
			return nil, e
		})
		url := testenv.Serve(t, svc)
		cc, err := grpc.NewClient(url[len("tri://"):], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		_, err = testpb.NewReconnectServiceClient(cc).Start(ctxFor(t, 10*time.Second), &testpb.ReconnectParams{})
		st := status.Convert(err)
		if st.Code() != codes.NotFound || st.Message() != "from streamx" || len(st.Details()) != 1 {
			t.Fatalf("%v, details %v", err, st.Details())
		}
		if got, ok := st.Details()[0].(*testpb.ReconnectInfo); !ok || !proto.Equal(got, detail) {
			t.Fatalf("detail %v", st.Details()[0])
		}
	})
	t.Run("streamx consumer, grpc-go server", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		testpb.RegisterReconnectServiceServer(srv, detailServer{})
		go func() { _ = srv.Serve(lis) }()
		defer srv.Stop()
		conn := testenv.Dial(t, rcService, "tri://"+lis.Addr().String())
		_, err = rcStart.Call(ctxFor(t, 10*time.Second), conn, &testpb.ReconnectParams{})
		var se *streamx.Error
		if !errors.As(err, &se) || se.Code() != streamx.CodeNotFound || len(se.Details()) != 1 {
			t.Fatalf("%v", err)
		}
		var got testpb.ReconnectInfo
		if err := se.Details()[0].UnmarshalTo(&got); err != nil || !proto.Equal(&got, detail) {
			t.Fatalf("detail %v, %v", &got, err)
		}
	})
}
