// Command go-server is the Go counterpart of dubbo-python's
// samples/stream/server_stream/server.py: serverStream of
// org.apache.dubbo.samples.data.Greeter on -host 127.0.0.1, -port 50051
// prints the request's name and replies with each of its words.
package main

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	svc := streamx.NewService(greeter.ServiceName)
	// A generator, as server.py's yield: each reply is written as it comes.
	greeter.ServerStream.HandleSeq(svc, func(_ context.Context, req *pb.GreeterRequest) iter.Seq2[*pb.GreeterReply, error] {
		fmt.Printf("Received request: %s\n", req.Name)
		return func(yield func(*pb.GreeterReply, error) bool) {
			for _, word := range strings.Split(req.Name, " ") {
				if !yield(&pb.GreeterReply{Message: word}, nil) {
					return
				}
			}
		}
	})
	pysample.ServerMain(svc)
}
