// Command go-server is the Go counterpart of dubbo-python's
// samples/registry/zookeeper/server.py: it serves sayHello of
// org.apache.dubbo.samples.data.Greeter, registered in the Zookeeper at
// 127.0.0.1:2181 at interface level (as dubbo-python registers and
// discovers), configured by the dubbogo.yml beside it alone. ZK_ADDR and
// STREAMX_PORT (default 50051) override the addresses; run it from this
// folder or pass -conf.
package main

import (
	"context"
	"fmt"

	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper" // also sees dubbo-python providers
	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements sayHello; the Greeter's other methods answer
// unimplemented, as server.py serves only this one.
type greeter struct {
	greeterstreamx.UnimplementedGreeterHandler
}

func (greeter) SayHello(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	fmt.Printf("Received request: %s\n", req.Name)
	return &pb.GreeterReply{Message: fmt.Sprintf("Hello, %s!", req.Name)}, nil
}

func main() {
	run.ConfigServer(greeterstreamx.NewGreeterService(greeter{}), func(string) { run.StopOnEnter() })
}
