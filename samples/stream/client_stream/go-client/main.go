// Command go-client calls the Greeter's clientStream at -url twice: once fed
// by an iterator, once with Write and DoneWriting.
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() {
	greeter.ClientMain(func(ctx context.Context, conn *client.Connection) error {
		// Requests from an iterator, as dubbo-python's client_stream(iter).
		replies, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("hello", "from", "an", "iterator"))
		if err != nil {
			return err
		}
		reply, err := replies.Read()
		if err != nil {
			return err
		}
		fmt.Println("client stream reply (iterator):", reply.Message)

		// Requests written one by one, then DoneWriting.
		stream, err := greeter.ClientStream.Open(ctx, conn)
		if err != nil {
			return err
		}
		for _, name := range []string{"hello", "from", "Write"} {
			if err := stream.Write(greeter.Req(name)); err != nil {
				return err
			}
		}
		if err := stream.DoneWriting(); err != nil {
			return err
		}
		reply, err = stream.Read()
		if err != nil {
			return err
		}
		fmt.Println("client stream reply (Write):", reply.Message)
		return nil
	})
}
