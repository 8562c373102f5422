package streamxtest_test

import (
	"context"
	"fmt"
	"io"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
)

var (
	upper = streamx.NewUnary[string, string]("upper", streamx.WithCodec(streamx.JSONCodec{}))
	count = streamx.NewServerStream[int, int]("count", streamx.WithCodec(streamx.JSONCodec{}))
)

// A provider and a consumer in one process, with no port.
func Example() {
	svc := streamx.NewService("example.Text")
	upper.Handle(svc, func(_ context.Context, s string) (string, error) {
		return fmt.Sprintf("%q", s), nil
	})
	count.Handle(svc, func(ctx context.Context, n int, out *streamx.WriteStream[int]) error {
		for i := range n {
			if err := out.Write(i); err != nil {
				return err
			}
		}
		return nil
	})

	srv, err := streamxtest.New(svc)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	conn, err := srv.Dial()
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	s, err := upper.Call(ctx, conn, "in memory")
	fmt.Println(s, err)

	replies, err := count.Call(ctx, conn, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		n, err := replies.Read()
		if err == io.EOF {
			break
		}
		fmt.Println(n, err)
	}
	// Output:
	// "in memory" <nil>
	// 0 <nil>
	// 1 <nil>
	// 2 <nil>
}
