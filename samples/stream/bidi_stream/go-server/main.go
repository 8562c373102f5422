// Command go-server is the Go counterpart of dubbo-python's
// samples/stream/bidi_stream/server.py: biStream of
// org.apache.dubbo.samples.data.Greeter on -host 127.0.0.1, -port 50051
// prints each request's name and replies "Hello, <name>!", taking a second
// longer over the second request.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements biStream; the Greeter's other methods answer
// unimplemented, as server.py serves only this one.
type greeter struct {
	greeterstreamx.UnimplementedGreeterHandler
}

func (greeter) BiStream(ctx context.Context, stream *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
	counter := 0
	for req := range stream.Messages() {
		fmt.Printf("Received request: %s\n", req.Name)
		if counter == 1 { // a long time to process, as server.py has
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		counter++
		if err := stream.Write(&pb.GreeterReply{Message: fmt.Sprintf("Hello, %s!", req.Name)}); err != nil {
			return err
		}
	}
	// Returning ends the reply stream, as server.py's done_writing().
	return stream.Err()
}

func main() { pysample.ServerMain(greeterstreamx.NewGreeterService(greeter{})) }
