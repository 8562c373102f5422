// Command go-server is the Go counterpart of dubbo-python's
// samples/serialization/protobuf/server.py: it serves sayHello of
// org.apache.dubbo.samples.data.Greeter, protobuf messages, on -host
// 127.0.0.1, -port 50051, printing each request as server.py does.
package main

import (
	"context"
	"fmt"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	svc := streamx.NewService(greeter.ServiceName)
	greeter.SayHello.Handle(svc, func(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
		fmt.Printf("Received request: %s\n", pysample.PyText(req))
		return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
	})
	pysample.ServerMain(svc)
}
