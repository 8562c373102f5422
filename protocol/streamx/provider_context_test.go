package streamx_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

var (
	whoUnary      = streamx.NewUnary[greeter.Request, greeter.Reply]("whoUnary")
	whoBidi       = streamx.NewBidiStream[greeter.Request, greeter.Reply]("whoBidi")
	deadlineUnary = streamx.NewUnary[greeter.Request, greeter.Reply]("deadlineUnary")
	waitDeadline  = streamx.NewBidiStream[greeter.Request, greeter.Reply]("waitDeadline")
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
	conn := testenv.Dial(t, "test.Who", serve(t, svc))
	ctx := context.WithValue(ctxT(t), constant.AttachmentKey, map[string]any{"x-user": "alice"})

	r, err := whoUnary.Call(ctx, conn, greeter.Req("x"))
	if err != nil || r.Message != "ctx=[alice] header=-" {
		t.Fatalf("unary: %v, %v", r, err)
	}
	if got := firstReply(ctx, t, whoBidi, conn); got != "ctx=[alice] header=alice" {
		t.Fatalf("bidi: %q", got)
	}
}

// firstReply opens a call of m and returns its first reply; the stream
// stays open until the test ends.
func firstReply(ctx context.Context, t *testing.T, m *streamx.BidiStreamMethod[greeter.Request, greeter.Reply], conn *client.Connection) string {
	t.Helper()
	s, err := m.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	r, err := s.Read()
	if err != nil {
		t.Fatal(err)
	}
	return r.Message
}

// A provider handler's context carries the consumer's deadline (sent as
// grpc-timeout), in unary and streaming calls, and is done when it passes.
func TestProviderContextDeadline(t *testing.T) {
	noLeaks(t)
	done := make(chan error, 1)
	svc := streamx.NewService("test.Deadline")
	deadlineUnary.Handle(svc, func(ctx context.Context, _ greeter.Request) (greeter.Reply, error) {
		dl, ok := ctx.Deadline()
		return &pb.GreeterReply{Message: fmt.Sprintf("%v %v", ok, time.Until(dl).Round(time.Second))}, nil
	})
	waitDeadline.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		_, ok := ctx.Deadline()
		_ = s.Write(&pb.GreeterReply{Message: fmt.Sprint(ok)}) // the handler runs
		<-ctx.Done()
		done <- ctx.Err()
		return ctx.Err()
	})
	conn := testenv.Dial(t, "test.Deadline", serve(t, svc))

	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Second)
	defer cancel()
	r, err := deadlineUnary.Call(ctx, conn, greeter.Req("x"))
	if err != nil || r.Message != "true 20s" {
		t.Fatalf("handler's deadline: %v, %v; want true 20s", r, err)
	}

	ctx, cancel = context.WithTimeout(ctxT(t), 300*time.Millisecond)
	defer cancel()
	if got := firstReply(ctx, t, waitDeadline, conn); got != "true" {
		t.Fatalf("stream handler's deadline: %q; want true", got)
	}
	select {
	case err := <-done:
		// Its own timer, or the consumer's reset at the same deadline.
		if err != context.DeadlineExceeded && err != context.Canceled {
			t.Fatalf("handler's ctx.Err() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler's context not done 10 s after a 300 ms deadline")
	}
}
