package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

const greeterName = "org.apache.dubbo.samples.data.Greeter"

type (
	req = *pb.GreeterRequest
	rep = *pb.GreeterReply
)

// The Greeter contract shared with the dubbo-python peers.
var (
	sayHello     = streamx.NewUnary[req, rep]("sayHello")
	clientStream = streamx.NewClientStream[req, rep]("clientStream")
	serverStream = streamx.NewServerStream[req, rep]("serverStream")
	biStream     = streamx.NewBidiStream[req, rep]("biStream")
)

func hello(name string) req { return &pb.GreeterRequest{Name: name} }
func reply(msg string) rep  { return &pb.GreeterReply{Message: msg} }
func names(ns ...string) iter.Seq[req] {
	return func(yield func(req) bool) {
		for _, n := range ns {
			if !yield(hello(n)) {
				return
			}
		}
	}
}

// greeter is the Go provider of the contract.
func greeter() *streamx.Service {
	svc := streamx.NewService(greeterName)
	sayHello.Handle(svc, func(_ context.Context, r req) (rep, error) {
		if r.Name == "fail" {
			return nil, streamx.NewError(streamx.CodeFailedPrecondition, "told to fail")
		}
		if r.Name == "panic" {
			panic("told to panic")
		}
		return reply("Hello, " + r.Name), nil
	})
	clientStream.Handle(svc, func(_ context.Context, in *streamx.ReadStream[req]) (rep, error) {
		var got []string
		for m := range in.Messages() {
			got = append(got, m.Name)
		}
		if err := in.Err(); err != nil {
			return nil, err
		}
		return reply(strings.Join(got, " ")), nil
	})
	serverStream.HandleSeq(svc, func(_ context.Context, r req) iter.Seq2[rep, error] {
		return func(yield func(rep, error) bool) {
			for i := range 3 {
				if !yield(reply(fmt.Sprintf("%s %d", r.Name, i)), nil) {
					return
				}
			}
		}
	})
	biStream.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[req, rep]) error {
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
	return svc
}

func serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) string {
	t.Helper()
	return testenv.Serve(t, svc, opts...)
}

func dial(t testing.TB, url string, opts ...client.ReferenceOption) *client.Connection {
	t.Helper()
	return testenv.Dial(t, greeterName, url, opts...)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
