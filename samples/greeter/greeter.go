// Package greeter is the Greeter of the Go-only samples (the four-kind
// demo, timed reads, Nacos): the interface, method names and messages of
// dubbo-python's samples/proto, declared once, and a provider of all four
// call kinds.
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

// The methods, named as on the wire.
var (
	SayHello         = streamx.NewUnary[Request, Reply]("sayHello")
	ClientStream     = streamx.NewClientStream[Request, Reply]("clientStream")
	ServerStream     = streamx.NewServerStream[Request, Reply]("serverStream")
	BiStream         = streamx.NewBidiStream[Request, Reply]("biStream")
	SlowServerStream = streamx.NewServerStream[Request, Reply]("slowServerStream")
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
	BiStream.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[Request, Reply]) error {
		for {
			m, err := s.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.Write(reply("Hello, " + m.Name)); err != nil {
				return err
			}
		}
	})
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
	return svc
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
