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
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	svc := streamx.NewService(greeter.ServiceName)
	greeter.BiStream.Handle(svc, func(ctx context.Context, stream *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
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
	})
	pysample.ServerMain(svc)
}
