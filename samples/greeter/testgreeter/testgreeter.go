// Package testgreeter is the tests' Greeter: the samples' Greeter
// (samples/greeter) plus the methods only tests need (errors, echo, JSON).
// It is not under internal/ because it is built on the public API, which
// nothing in internal/ may import.
// integrate_test/python/greeter_server.py serves the same methods.
package testgreeter

import (
	"context"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// JSONRequest and JSONReply are the JSON-serialized messages of
// sayHelloJson and biStreamJson.
type JSONRequest struct {
	Name string `json:"name"`
}

// JSONReply is the reply of the JSON methods.
type JSONReply struct {
	Message string `json:"message"`
}

// The test-only methods, named as on the wire.
var (
	FailUnary    = streamx.NewUnary[greeter.Request, greeter.Reply]("failUnary")
	FailStream   = streamx.NewServerStream[greeter.Request, greeter.Reply]("failStream")
	EchoSize     = streamx.NewBidiStream[greeter.Request, greeter.Reply]("echoSize")
	SayHelloJSON = streamx.NewUnary[JSONRequest, JSONReply]("sayHelloJson", streamx.WithCodec(streamx.JSONCodec{}))
	BiStreamJSON = streamx.NewBidiStream[JSONRequest, JSONReply]("biStreamJson", streamx.WithCodec(streamx.JSONCodec{}))
)

// NewService returns greeter.NewService's provider plus:
//   - failUnary: fails with CodeFailedPrecondition "boom: <name>"
//   - failStream: replies "before boom", then fails like failUnary
//   - echoSize: echoes each name unchanged
//   - sayHelloJson, biStreamJson: sayHello and biStream with JSON messages
func NewService() *streamx.Service {
	svc := greeter.NewService()
	FailUnary.Handle(svc, func(_ context.Context, r greeter.Request) (greeter.Reply, error) {
		return nil, streamx.Errorf(streamx.CodeFailedPrecondition, "boom: %s", r.Name)
	})
	FailStream.Handle(svc, func(_ context.Context, r greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		if err := out.Write(&pb.GreeterReply{Message: "before boom"}); err != nil {
			return err
		}
		return streamx.Errorf(streamx.CodeFailedPrecondition, "boom: %s", r.Name)
	})
	EchoSize.Handle(svc, each(func(m greeter.Request) greeter.Reply { return &pb.GreeterReply{Message: m.Name} }))
	SayHelloJSON.Handle(svc, func(_ context.Context, r JSONRequest) (JSONReply, error) {
		return JSONReply{Message: "Hello, " + r.Name}, nil
	})
	BiStreamJSON.Handle(svc, each(func(m JSONRequest) JSONReply { return JSONReply{Message: "Hello, " + m.Name} }))
	return svc
}

// each answers every request of a bidi stream with f's reply to it.
func each[Req, Res any](f func(Req) Res) func(context.Context, *streamx.ReadWriteStream[Req, Res]) error {
	return func(_ context.Context, s *streamx.ReadWriteStream[Req, Res]) error {
		for m := range s.Messages() {
			if err := s.Write(f(m)); err != nil {
				return err
			}
		}
		return s.Err()
	}
}
