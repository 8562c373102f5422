// Command go-client is the Go counterpart of dubbo-python's
// samples/serialization/protobuf/client.py: it calls sayHello with the name
// "Dubbo-python" at -url (default tri://127.0.0.1:50051) and prints the
// reply as client.py does.
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
		reply, err := greeterstreamx.NewGreeterClient(conn).SayHello(ctx, &pb.GreeterRequest{Name: "Dubbo-python"})
		if err != nil {
			return err
		}
		fmt.Printf("Received reply: %s\n", reply.Message)
		return nil
	})
}
