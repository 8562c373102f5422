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

	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements serverStream; the Greeter's other methods answer
// unimplemented, as server.py serves only this one.
type greeter struct {
	greeterstreamx.UnimplementedGreeterHandler
}

// ServerStream is a generator, as server.py's yield: each reply is written
// as it comes.
func (greeter) ServerStream(_ context.Context, req *pb.GreeterRequest) iter.Seq2[*pb.GreeterReply, error] {
	fmt.Printf("Received request: %s\n", req.Name)
	return func(yield func(*pb.GreeterReply, error) bool) {
		for _, word := range strings.Split(req.Name, " ") {
			if !yield(&pb.GreeterReply{Message: word}, nil) {
				return
			}
		}
	}
}

func main() { pysample.ServerMain(greeterstreamx.NewGreeterService(greeter{})) }
