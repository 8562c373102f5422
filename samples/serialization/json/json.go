// Package json is the contract of dubbo-python's samples/serialization/json
// (tag 3.0.0b1): interface org.apache.dubbo.samples.serialization.json, one
// unary method "unary", request {"name", "age"} and reply {"message"} as
// JSON.
package json

import (
	"context"
	"fmt"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// ServiceName is the interface dubbo-python's JSON sample serves.
const ServiceName = "org.apache.dubbo.samples.serialization.json"

// Request is the JSON request.
type Request struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

// Reply is the JSON reply.
type Reply struct {
	Message string `json:"message"`
}

// Unary is the one method, JSON both ways.
var Unary = streamx.NewUnary[Request, Reply]("unary", streamx.WithCodec(streamx.JSONCodec{}))

// ClientRequest is what dubbo-python's client.py sends.
var ClientRequest = Request{Name: "dubbo-python", Age: 18}

// NewService returns the provider: it prints "Received request: <name>,
// <age>" and replies "Hello, <name>, you are <age> years old.".
func NewService() *streamx.Service {
	svc := streamx.NewService(ServiceName)
	Unary.Handle(svc, func(_ context.Context, r Request) (Reply, error) {
		fmt.Printf("Received request: %s, %d\n", r.Name, r.Age)
		return Reply{Message: fmt.Sprintf("Hello, %s, you are %d years old.", r.Name, r.Age)}, nil
	})
	return svc
}
