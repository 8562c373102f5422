// Command go-client calls the Greeter's serverStream at -url and prints
// every reply, then reads a slow stream with timed reads.
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
		replies, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("world"))
		if err != nil {
			return err
		}
		for reply := range replies.Messages() {
			fmt.Println("server stream reply:", reply.Message)
		}
		if err := replies.Err(); err != nil {
			return err
		}

		// Timed reads: a timeout leaves the stream open and loses nothing.
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
