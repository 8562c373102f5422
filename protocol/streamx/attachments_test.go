package streamx_test

import (
	"context"
	"fmt"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

var (
	whoUnary = streamx.NewUnary[greeter.Request, greeter.Reply]("whoUnary")
	whoBidi  = streamx.NewBidiStream[greeter.Request, greeter.Reply]("whoBidi")
)

// seen reports what a provider handler finds of the consumer's
// attachments: in dubbo-go's context value and in the request headers.
func seen(ctx context.Context, header func(string) string) string {
	att, _ := ctx.Value(constant.AttachmentKey).(map[string]any)
	return fmt.Sprintf("ctx=%v header=%s", att["x-user"], header("X-User"))
}

// The attachments a consumer puts in its context reach the provider as
// dubbo-go's attachments (ctx.Value(constant.AttachmentKey), []string
// values as stock Triple gives) and as request headers, in every call kind.
func TestAttachmentsReachTheProvider(t *testing.T) {
	noLeaks(t)
	svc := streamx.NewService("test.Who")
	whoUnary.Handle(svc, func(ctx context.Context, _ greeter.Request) (greeter.Reply, error) {
		return &pb.GreeterReply{Message: seen(ctx, func(string) string { return "-" })}, nil
	})
	whoBidi.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		return s.Write(&pb.GreeterReply{Message: seen(ctx, s.Header().Get)})
	})
	conn := testenv.Dial(t, "test.Who", testenv.Serve(t, svc))
	ctx := context.WithValue(ctxT(t), constant.AttachmentKey, map[string]any{"x-user": "alice"})

	r, err := whoUnary.Call(ctx, conn, greeter.Req("x"))
	if err != nil || r.Message != "ctx=[alice] header=-" {
		t.Fatalf("unary: %v, %v", r, err)
	}
	s, err := whoBidi.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Read(); err != nil || r.Message != "ctx=[alice] header=alice" {
		t.Fatalf("bidi: %v, %v", r, err)
	}
}
