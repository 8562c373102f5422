// Command go-client is the Go counterpart of dubbo-python's
// samples/stream/client_stream/client.py: it writes four requests from an
// iterator to clientStream at -url (default tri://127.0.0.1:50051), gets
// the one reply and prints it as client.py prints a message.
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

func main() {
	pysample.ClientMain(greeterstreamx.GreeterInterfaceName, func(ctx context.Context, conn *client.Connection) error {
		// The requests come from an iterator, written as the call goes.
		reply, err := greeterstreamx.NewGreeterClient(conn).ClientStreamWith(ctx,
			greeter.Names("hello", "world", "from", "dubbo-python"))
		if err != nil {
			return err
		}
		fmt.Println(pysample.PyText(reply))
		return nil
	})
}
