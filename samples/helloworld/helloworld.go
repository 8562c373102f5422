// Package helloworld is the contract of dubbo-python's samples/helloworld
// (tag 3.0.0b1): interface org.apache.dubbo.samples.HelloWorld, one unary
// method "unary" whose request and reply are raw bytes.
package helloworld

import (
	"context"
	"fmt"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
)

// ServiceName is the interface dubbo-python's helloworld serves.
const ServiceName = "org.apache.dubbo.samples.HelloWorld"

// Request is what the client sends; Reply is what the server returns.
var (
	Request = []byte("Hello from client")
	Reply   = []byte("Hello from server")
)

// Unary is the one method, raw bytes both ways.
var Unary = streamx.NewUnary[[]byte, []byte]("unary", streamx.WithCodec(streamx.RawCodec{}))

// NewService returns the provider: it prints
// "Received message from client: b'...'" and replies Reply.
func NewService() *streamx.Service {
	svc := streamx.NewService(ServiceName)
	Unary.Handle(svc, func(_ context.Context, msg []byte) ([]byte, error) {
		fmt.Printf("Received message from client: %s\n", pysample.PyBytes(msg))
		return Reply, nil
	})
	return svc
}
