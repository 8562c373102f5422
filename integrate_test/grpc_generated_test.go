package integrate_test

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/dubbo-go-streamx/streamx/integrate_test/internal/grpctesting"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// The code protoc-gen-go-streamx generated for grpc-go's interop
// test.proto (integrate_test/internal/grpctesting) against grpc-go: its
// client against grpc-go's interop server, and grpc-go's interop client
// against its handler interface.

func compressable(n int) *testpb.Payload {
	return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: make([]byte, n)}
}

func outputRequest(sizes ...int32) *testpb.StreamingOutputCallRequest {
	req := &testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE}
	for _, n := range sizes {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: n})
	}
	return req
}

// bodySizes reads replies to the end and returns their payload sizes.
func bodySizes(t *testing.T, replies iter.Seq2[*testpb.StreamingOutputCallResponse, error]) []int {
	t.Helper()
	var sizes []int
	for r, err := range replies {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(r.GetPayload().GetBody()))
	}
	return sizes
}

func TestGeneratedClientToGRPCInteropServer(t *testing.T) {
	url := serveGRPCTestServer(t)
	c := grpctesting.NewTestServiceClient(testenv.Dial(t, grpctesting.TestServiceInterfaceName, url))
	if grpctesting.TestServiceInterfaceName != "grpc.testing.TestService" {
		t.Fatalf("interface name %q, want grpc.testing.TestService", grpctesting.TestServiceInterfaceName)
	}
	reqSizes := []int{27182, 8, 1828, 45904}
	respSizes := []int32{31415, 9, 2653, 58979}
	inputs := func() iter.Seq[*testpb.StreamingInputCallRequest] {
		return func(yield func(*testpb.StreamingInputCallRequest) bool) {
			for _, n := range reqSizes {
				if !yield(&testpb.StreamingInputCallRequest{Payload: compressable(n)}) {
					return
				}
			}
		}
	}
	const inputSum = 27182 + 8 + 1828 + 45904
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context)
	}{
		{"empty_unary", func(t *testing.T, ctx context.Context) {
			if r, err := c.EmptyCall(ctx, &testpb.Empty{}); err != nil || r == nil {
				t.Fatal(r, err)
			}
		}},
		{"large_unary", func(t *testing.T, ctx context.Context) {
			r, err := c.UnaryCall(ctx, &testpb.SimpleRequest{ResponseType: testpb.PayloadType_COMPRESSABLE, ResponseSize: 314159, Payload: compressable(271828)})
			if err != nil || len(r.GetPayload().GetBody()) != 314159 {
				t.Fatalf("%d bytes, %v; want 314159 bytes", len(r.GetPayload().GetBody()), err)
			}
		}},
		{"client_streaming", func(t *testing.T, ctx context.Context) {
			call, err := c.StreamingInputCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for req := range inputs() {
				if err := call.Write(req); err != nil {
					t.Fatal(err)
				}
			}
			r, err := call.Reply()
			if err != nil || r.GetAggregatedPayloadSize() != inputSum {
				t.Fatalf("%v, %v; want aggregated size %d", r, err, inputSum)
			}
		}},
		{"client_streaming_iterator", func(t *testing.T, ctx context.Context) {
			r, err := c.StreamingInputCallWith(ctx, inputs())
			if err != nil || r.GetAggregatedPayloadSize() != inputSum {
				t.Fatalf("%v, %v; want aggregated size %d", r, err, inputSum)
			}
		}},
		{"server_streaming", func(t *testing.T, ctx context.Context) {
			rs, err := c.StreamingOutputCall(ctx, outputRequest(respSizes...))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := bodySizes(t, rs.All()), []int{31415, 9, 2653, 58979}; !slices.Equal(got, want) {
				t.Fatalf("reply sizes %v, want %v", got, want)
			}
		}},
		{"ping_pong", func(t *testing.T, ctx context.Context) {
			s, err := c.FullDuplexCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range reqSizes {
				req := outputRequest(respSizes[i])
				req.Payload = compressable(n)
				if err := s.Write(req); err != nil {
					t.Fatal(err)
				}
				r, err := s.Read()
				if err != nil || len(r.GetPayload().GetBody()) != int(respSizes[i]) {
					t.Fatalf("reply %d: %d bytes, %v", i, len(r.GetPayload().GetBody()), err)
				}
			}
			if err := s.DoneWriting(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(); !errors.Is(err, io.EOF) {
				t.Fatalf("after DoneWriting: %v, want io.EOF", err)
			}
		}},
		{"full_duplex_iterator", func(t *testing.T, ctx context.Context) {
			rs, err := c.FullDuplexCallWith(ctx, slices.Values([]*testpb.StreamingOutputCallRequest{outputRequest(1, 2), outputRequest(3)}))
			if err != nil {
				t.Fatal(err)
			}
			if got := bodySizes(t, rs.All()); !slices.Equal(got, []int{1, 2, 3}) {
				t.Fatalf("reply sizes %v, want [1 2 3]", got)
			}
		}},
		{"unimplemented_method", func(t *testing.T, ctx context.Context) {
			if _, err := c.UnimplementedCall(ctx, &testpb.Empty{}); streamx.CodeOf(err) != streamx.CodeUnimplemented {
				t.Fatalf("%v, want CodeUnimplemented", err)
			}
		}},
		{"status_code_and_message", func(t *testing.T, ctx context.Context) {
			_, err := c.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: 2, Message: "test status message"}})
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeUnknown || se.Message() != "test status message" {
				t.Fatalf("%v, want unknown: test status message", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tc.run(t, ctx)
		})
	}
}

// generatedTestService implements the generated TestServiceHandler as
// grpc-go's interop server does; the methods it leaves out answer
// CodeUnimplemented.
type generatedTestService struct {
	grpctesting.UnimplementedTestServiceHandler
}

func (generatedTestService) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return &testpb.Empty{}, nil
}

func (generatedTestService) UnaryCall(ctx context.Context, in *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
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
}

func (generatedTestService) StreamingOutputCall(_ context.Context, in *testpb.StreamingOutputCallRequest) iter.Seq2[*testpb.StreamingOutputCallResponse, error] {
	return func(yield func(*testpb.StreamingOutputCallResponse, error) bool) {
		for _, p := range in.GetResponseParameters() {
			pl, err := payload(in.GetResponseType(), p.GetSize())
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(&testpb.StreamingOutputCallResponse{Payload: pl}, nil) {
				return
			}
		}
	}
}

func (generatedTestService) StreamingInputCall(_ context.Context, in *streamx.ReadStream[*testpb.StreamingInputCallRequest]) (*testpb.StreamingInputCallResponse, error) {
	sum := 0
	for m := range in.Messages() {
		sum += len(m.GetPayload().GetBody())
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	return &testpb.StreamingInputCallResponse{AggregatedPayloadSize: int32(sum)}, nil
}

func (generatedTestService) FullDuplexCall(ctx context.Context, s *streamx.ReadWriteStream[*testpb.StreamingOutputCallRequest, *testpb.StreamingOutputCallResponse]) error {
	if err := echoMetadata(ctx); err != nil {
		return err
	}
	for in, err := range s.All() {
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
	return nil
}

func TestGRPCInteropClientToGeneratedHandler(t *testing.T) {
	cc, tc := dialGRPCInterop(t, testenv.Serve(t, grpctesting.NewTestServiceService(generatedTestService{})))
	runGRPCInteropCases(t, cc, tc, "empty_unary", "large_unary", "client_streaming", "server_streaming",
		"ping_pong", "empty_stream", "status_code_and_message", "custom_metadata", "cancel_after_first_response")
	t.Run("unimplemented_in_handler", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := tc.HalfDuplexCall(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = s.CloseSend()
		if _, err := s.Recv(); status.Code(err) != codes.Unimplemented {
			t.Fatalf("HalfDuplexCall: %v, want UNIMPLEMENTED from the embedded UnimplementedTestServiceHandler", err)
		}
	})
}
