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

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper" // also sees dubbo-python providers
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	svc := streamx.NewService(greeter.ServiceName)
	greeter.SayHello.Handle(svc, func(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
		fmt.Printf("Received request: %s\n", req.Name)
		return &pb.GreeterReply{Message: fmt.Sprintf("Hello, %s!", req.Name)}, nil
	})
	run.ConfigServer(svc, func(string) { run.StopOnEnter() })
}
