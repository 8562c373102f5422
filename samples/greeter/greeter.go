// Package greeter is the Greeter contract shared by the samples, the demo
// and the interop tests: the same service, method names and messages as
// dubbo-python's stream samples, plus a few methods the tests need.
package greeter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// ServiceName is the interface name dubbo-python's samples use.
const ServiceName = "org.apache.dubbo.samples.data.Greeter"

type (
	// Request is the protobuf request.
	Request = *pb.GreeterRequest
	// Reply is the protobuf reply.
	Reply = *pb.GreeterReply
)

// JSONRequest and JSONReply are the JSON-serialized messages, as in
// dubbo-python's samples/serialization/json.
type JSONRequest struct {
	Name string `json:"name"`
}

// JSONReply is the reply of the JSON methods.
type JSONReply struct {
	Message string `json:"message"`
}

// The methods, named as on the wire.
var (
	SayHello         = streamx.NewUnary[Request, Reply]("sayHello")
	ClientStream     = streamx.NewClientStream[Request, Reply]("clientStream")
	ServerStream     = streamx.NewServerStream[Request, Reply]("serverStream")
	BiStream         = streamx.NewBidiStream[Request, Reply]("biStream")
	SlowServerStream = streamx.NewServerStream[Request, Reply]("slowServerStream")
	FailUnary        = streamx.NewUnary[Request, Reply]("failUnary")
	FailStream       = streamx.NewServerStream[Request, Reply]("failStream")
	EchoSize         = streamx.NewBidiStream[Request, Reply]("echoSize")
	SayHelloJSON     = streamx.NewUnary[JSONRequest, JSONReply]("sayHelloJson", streamx.WithCodec(streamx.JSONCodec{}))
	BiStreamJSON     = streamx.NewBidiStream[JSONRequest, JSONReply]("biStreamJson", streamx.WithCodec(streamx.JSONCodec{}))
)

// Req returns a request for name.
func Req(name string) Request { return &pb.GreeterRequest{Name: name} }

// Names yields one request per name.
func Names(names ...string) iter.Seq[Request] {
	return func(yield func(Request) bool) {
		for _, n := range names {
			if !yield(Req(n)) {
				return
			}
		}
	}
}

func reply(msg string) Reply { return &pb.GreeterReply{Message: msg} }

// NewService returns the Go provider of the contract:
//   - sayHello: "Hello, <name>"
//   - clientStream: the names joined by spaces
//   - serverStream: "<name> 0", "<name> 1", "<name> 2"
//   - biStream: "Hello, <name>" for each request
//   - slowServerStream: name "<count>:<pause_ms>", replies "slow <i>" after each pause
//   - failUnary: fails with CodeFailedPrecondition "boom: <name>"
//   - failStream: replies "before boom", then fails like failUnary
//   - echoSize: echoes each name unchanged
//   - sayHelloJson, biStreamJson: sayHello and biStream with JSON messages
func NewService() *streamx.Service {
	svc := streamx.NewService(ServiceName)
	SayHello.Handle(svc, func(_ context.Context, r Request) (Reply, error) {
		return reply("Hello, " + r.Name), nil
	})
	ClientStream.Handle(svc, func(_ context.Context, in *streamx.ReadStream[Request]) (Reply, error) {
		var names []string
		for m := range in.Messages() {
			names = append(names, m.Name)
		}
		if err := in.Err(); err != nil {
			return nil, err
		}
		return reply(strings.Join(names, " ")), nil
	})
	ServerStream.HandleSeq(svc, func(_ context.Context, r Request) iter.Seq2[Reply, error] {
		return func(yield func(Reply, error) bool) {
			for i := range 3 {
				if !yield(reply(fmt.Sprintf("%s %d", r.Name, i)), nil) {
					return
				}
			}
		}
	})
	BiStream.Handle(svc, echo(func(name string) string { return "Hello, " + name }))
	EchoSize.Handle(svc, echo(func(name string) string { return name }))
	SlowServerStream.Handle(svc, func(ctx context.Context, r Request, out *streamx.WriteStream[Reply]) error {
		count, pause, err := parseSlow(r.Name)
		if err != nil {
			return streamx.Errorf(streamx.CodeInvalidArgument, "slowServerStream: %v", err)
		}
		t := time.NewTimer(pause)
		defer t.Stop()
		for i := range count {
			t.Reset(pause)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
			if err := out.Write(reply(fmt.Sprintf("slow %d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	FailUnary.Handle(svc, func(_ context.Context, r Request) (Reply, error) {
		return nil, streamx.Errorf(streamx.CodeFailedPrecondition, "boom: %s", r.Name)
	})
	FailStream.Handle(svc, func(_ context.Context, r Request, out *streamx.WriteStream[Reply]) error {
		if err := out.Write(reply("before boom")); err != nil {
			return err
		}
		return streamx.Errorf(streamx.CodeFailedPrecondition, "boom: %s", r.Name)
	})
	SayHelloJSON.Handle(svc, func(_ context.Context, r JSONRequest) (JSONReply, error) {
		return JSONReply{Message: "Hello, " + r.Name}, nil
	})
	BiStreamJSON.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[JSONRequest, JSONReply]) error {
		for m := range s.Messages() {
			if err := s.Write(JSONReply{Message: "Hello, " + m.Name}); err != nil {
				return err
			}
		}
		return s.Err()
	})
	return svc
}

func echo(f func(string) string) func(context.Context, *streamx.ReadWriteStream[Request, Reply]) error {
	return func(_ context.Context, s *streamx.ReadWriteStream[Request, Reply]) error {
		for {
			m, err := s.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.Write(reply(f(m.Name))); err != nil {
				return err
			}
		}
	}
}

func parseSlow(s string) (int, time.Duration, error) {
	c, p, ok := strings.Cut(s, ":")
	count, err1 := strconv.Atoi(c)
	ms, err2 := strconv.Atoi(p)
	if !ok || err1 != nil || err2 != nil || count < 0 || ms < 0 {
		return 0, 0, fmt.Errorf("want \"<count>:<pause_ms>\", got %q", s)
	}
	return count, time.Duration(ms) * time.Millisecond, nil
}
