// Command go-server is the Go counterpart of dubbo-python's
// samples/stream/client_stream/server.py: clientStream of
// org.apache.dubbo.samples.data.Greeter on -host 127.0.0.1, -port 50051
// prints each request's name and replies with the names, each followed by
// a space.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements clientStream; the Greeter's other methods answer
// unimplemented, as server.py serves only this one.
type greeter struct {
	greeterstreamx.UnimplementedGreeterHandler
}

func (greeter) ClientStream(_ context.Context, requests *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
	var response strings.Builder
	for req := range requests.Messages() {
		fmt.Printf("Received request: %s\n", req.Name)
		response.WriteString(req.Name + " ")
	}
	if err := requests.Err(); err != nil {
		return nil, err
	}
	return &pb.GreeterReply{Message: response.String()}, nil
}

func main() { pysample.ServerMain(greeterstreamx.NewGreeterService(greeter{})) }
