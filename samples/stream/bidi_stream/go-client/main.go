// Command go-client talks to the Greeter's biStream at -url: interleaved
// writes and reads, then DoneWriting and reads to the end.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() {
	greeter.ClientMain(func(ctx context.Context, conn *client.Connection) error {
		stream, err := greeter.BiStream.Open(ctx, conn)
		if err != nil {
			return err
		}
		for _, name := range []string{"alice", "bob"} {
			if err := stream.Write(greeter.Req(name)); err != nil {
				return err
			}
			reply, err := stream.Read()
			if err != nil {
				return err
			}
			fmt.Println("bidi reply:", reply.Message)
		}
		if err := stream.DoneWriting(); err != nil {
			return err
		}
		if _, err := stream.Read(); !errors.Is(err, io.EOF) {
			return fmt.Errorf("want the end of the stream, got %v", err)
		}
		fmt.Println("bidi stream: end")
		return nil
	})
}
