// Command go-client is the Go counterpart of dubbo-python's
// samples/stream/server_stream/client.py: it calls serverStream with
// "hello world from dubbo-python" at -url (default tri://127.0.0.1:50051)
// and prints every reply.
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

func main() {
	pysample.ClientMain(greeterstreamx.GreeterInterfaceName, func(ctx context.Context, conn *client.Connection) error {
		replies, err := greeterstreamx.NewGreeterClient(conn).ServerStream(ctx,
			&pb.GreeterRequest{Name: "hello world from dubbo-python"})
		if err != nil {
			return err
		}
		// Ranging hides the end of the stream, as iterating in Python does;
		// Err says afterwards whether it ended well.
		for reply := range replies.Messages() {
			fmt.Printf("Received response: %s\n", reply.Message)
		}
		return replies.Err()
	})
}
