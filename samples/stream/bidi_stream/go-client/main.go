// Command go-client is the Go counterpart of dubbo-python's
// samples/stream/bidi_stream/client.py: at -url (default
// tri://127.0.0.1:50051) it writes "jock" to biStream and reads the reply,
// writes three more names and DoneWriting, then reads with a 0.5 s timeout,
// printing "No message received" for each timeout, until the end.
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
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

func main() {
	pysample.ClientMain(greeterstreamx.GreeterInterfaceName, func(ctx context.Context, conn *client.Connection) error {
		stream, err := greeterstreamx.NewGreeterClient(conn).BiStream(ctx)
		if err != nil {
			return err
		}
		if err := stream.Write(greeter.Req("jock")); err != nil {
			return err
		}
		reply, err := stream.Read()
		if err != nil {
			return err
		}
		fmt.Printf("Received response: %s\n", reply.Message)

		for _, name := range []string{"jane", "alice", "dave"} {
			if err := stream.Write(greeter.Req(name)); err != nil {
				return err
			}
		}
		// DoneWriting tells the server that no more requests come.
		if err := stream.DoneWriting(); err != nil {
			return err
		}

		// A timed read returns ErrReadTimeout when nothing arrives in time
		// (the stream goes on, nothing is lost) and io.EOF at the end.
		for {
			reply, err := stream.ReadTimeout(500 * time.Millisecond)
			switch {
			case errors.Is(err, io.EOF):
				return nil
			case errors.Is(err, streamx.ErrReadTimeout):
				fmt.Println("No message received")
			case err != nil:
				return err
			default:
				fmt.Printf("Received response: %s\n", reply.Message)
			}
		}
	})
}
