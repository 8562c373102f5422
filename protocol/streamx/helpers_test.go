package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
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

func hello(name string) req   { return &pb.GreeterRequest{Name: name} }
func reply(msg string) rep    { return &pb.GreeterReply{Message: msg} }
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

var exportMu sync.Mutex

// serve exports svc on a free loopback port without dubbo-go's global
// Serve (whose shutdown is process-wide) and returns the direct URL.
func serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) string {
	t.Helper()
	port := testenv.FreePort(t)
	srv, err := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, svc, opts...); err != nil {
		t.Fatal(err)
	}
	so := srv.GetServiceOptionsByInterfaceName(svc.Reference())
	if so == nil {
		t.Fatalf("no service options for %s", svc.Reference())
	}
	exportMu.Lock()
	err = so.Export()
	exportMu.Unlock()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	t.Cleanup(so.Unexport)
	return fmt.Sprintf("tri://127.0.0.1:%d", port)
}

// dial returns a connection to the Greeter at url.
func dial(t testing.TB, url string, opts ...client.ReferenceOption) *client.Connection {
	t.Helper()
	cli, err := client.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(greeterName, append([]client.ReferenceOption{client.WithURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
