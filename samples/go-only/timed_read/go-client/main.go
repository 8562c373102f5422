// Command go-client reads a slow server stream of the Greeter at -url
// (default tri://127.0.0.1:20000, the four_kinds go-server) with timed
// reads, as dubbo-python's read(timeout): a timeout leaves the stream open
// and loses nothing.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() {
	greeter.ClientMain(func(ctx context.Context, conn *client.Connection) error {
		slow, err := greeter.SlowServerStream.Call(ctx, conn, greeter.Req("2:300"))
		if err != nil {
			return err
		}
		for {
			reply, err := slow.ReadTimeout(200 * time.Millisecond)
			switch {
			case errors.Is(err, streamx.ErrReadTimeout):
				fmt.Println("slow stream: no reply within 200ms, still open")
			case errors.Is(err, io.EOF):
				fmt.Println("slow stream: end")
				return nil
			case err != nil:
				return err
			default:
				fmt.Println("slow stream reply:", reply.Message)
			}
		}
	})
}
