// Command go-server is the Go counterpart of dubbo-python's
// samples/serialization/protobuf/server.py: it serves sayHello of
// org.apache.dubbo.samples.data.Greeter, protobuf messages, on -host
// 127.0.0.1, -port 50051, printing each request as server.py does.
package main

import (
	"context"
	"fmt"

	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements sayHello; the Greeter's other methods answer
// unimplemented, as server.py serves only this one.
type greeter struct {
	greeterstreamx.UnimplementedGreeterHandler
}

func (greeter) SayHello(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	fmt.Printf("Received request: %s\n", pysample.PyText(req))
	return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
}

func main() { pysample.ServerMain(greeterstreamx.NewGreeterService(greeter{})) }
