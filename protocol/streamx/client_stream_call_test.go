package streamx_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func TestClientStreamCall(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)

	var trailer http.Header
	c, err := greeter.ClientStream.Start(ctx, conn, streamx.ResponseTrailer(&trailer))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if err := c.Write(greeter.Req(n)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := c.Reply() // ends the requests itself
	if err != nil || r.Message != "a b" {
		t.Fatalf("Reply: %v, %v; want a b", r, err)
	}
	if again, err := c.Reply(); again != r || err != nil {
		t.Fatalf("second Reply: %v, %v; want the first's", again, err)
	}
	if !errors.Is(c.Write(greeter.Req("late")), streamx.ErrWriteAfterDone) {
		t.Fatal("Write after Reply: want ErrWriteAfterDone")
	}
	if trailer == nil || c.Trailer() == nil {
		t.Fatalf("trailers not recorded: option %v, Trailer() %v", trailer, c.Trailer())
	}

	// DoneWriting first is fine too.
	c, err = greeter.ClientStream.Start(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Reply(); err != nil || r.Message != "" {
		t.Fatalf("Reply to no requests: %v, %v", r, err)
	}

	r, err = greeter.ClientStream.CallWith(ctx, conn, greeter.Names("x", "y", "z"))
	if err != nil || r.Message != "x y z" {
		t.Fatalf("CallWith: %v, %v; want x y z", r, err)
	}
}

// A provider that breaks the one-reply rule fails the call with
// CodeInternal; its error reaches Reply with its code.
func TestClientStreamCallReplies(t *testing.T) {
	noLeaks(t)
	const svcName = "test.Replies"
	bidi := func(name string) *streamx.BidiStreamMethod[greeter.Request, greeter.Reply] {
		return streamx.NewBidiStream[greeter.Request, greeter.Reply](name)
	}
	svc := streamx.NewService(svcName)
	bidi("none").Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		for range s.Messages() {
		}
		return nil
	})
	bidi("two").Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		for range s.Messages() {
		}
		for range 2 {
			if err := s.Write(&pb.GreeterReply{Message: "one of two"}); err != nil {
				return err
			}
		}
		return nil
	})
	streamx.NewClientStream[greeter.Request, greeter.Reply]("fail").Handle(svc, func(context.Context, *streamx.ReadStream[greeter.Request]) (greeter.Reply, error) {
		return nil, streamx.NewError(streamx.CodeFailedPrecondition, "no")
	})
	ctx := ctxT(t)
	conn := testenv.Dial(t, svcName, serve(t, svc))
	for _, c := range []struct {
		method string
		code   streamx.Code
	}{{"none", streamx.CodeInternal}, {"two", streamx.CodeInternal}, {"fail", streamx.CodeFailedPrecondition}} {
		call, err := streamx.NewClientStream[greeter.Request, greeter.Reply](c.method).Start(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.Reply(); streamx.CodeOf(err) != c.code {
			t.Errorf("%s: Reply: %v, want code %v", c.method, err, c.code)
		}
	}
}
