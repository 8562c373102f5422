// Command go-client is the Go counterpart of dubbo-python's
// samples/registry/zookeeper/client.py: it finds a provider of
// org.apache.dubbo.samples.data.Greeter (Go or dubbo-python) in the
// Zookeeper at 127.0.0.1:2181, calls sayHello with "dubbo-python" and
// prints the reply, configured by the dubbogo.yml beside it alone. ZK_ADDR
// overrides the address.
package main

import (
	"context"
	"fmt"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper" // also sees dubbo-python providers
	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

func main() {
	run.ConfigClient("greeter", func(ctx context.Context, conn *client.Connection) error {
		greeter := greeterstreamx.NewGreeterClient(conn)
		var reply *pb.GreeterReply
		// Discovery runs beside the first call: give it time to list a
		// provider.
		err := run.UntilDiscovered(ctx, 20*time.Second, func(ctx context.Context) (err error) {
			reply, err = greeter.SayHello(ctx, &pb.GreeterRequest{Name: "dubbo-python"})
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(reply.Message)
		return nil
	})
}
