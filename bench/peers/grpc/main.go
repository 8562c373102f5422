// Command bench-grpc is the grpc-go side of the benchmark, with a
// hand-written grpc.ServiceDesc and the Greeter proto messages. See
// bench/README.md.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	harness.Main(harness.Framework{Name: "grpc", Serve: serve, Dial: dial})
}

// serviceDesc is what protoc-gen-go-grpc would generate for the service.
var serviceDesc = grpc.ServiceDesc{
	ServiceName: harness.ServiceName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unaryMethod(harness.MethodUnary, harness.Unary),
		unaryMethod(harness.MethodStats, func(*pb.GreeterRequest) *pb.GreeterReply { return harness.StatsReply() }),
	},
	Streams: []grpc.StreamDesc{
		bidiMethod(harness.MethodEcho, harness.Echo),
		bidiMethod(harness.MethodSink, harness.Sink),
		bidiMethod(harness.MethodSource, harness.Source),
	},
}

func unaryMethod(name string, fn func(*pb.GreeterRequest) *pb.GreeterReply) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			req := new(pb.GreeterRequest)
			if err := dec(req); err != nil {
				return nil, err
			}
			return fn(req), nil
		},
	}
}

func bidiMethod(name string, fn func(harness.ServerStream) error) grpc.StreamDesc {
	return grpc.StreamDesc{
		StreamName:    name,
		ServerStreams: true,
		ClientStreams: true,
		Handler:       func(_ any, s grpc.ServerStream) error { return fn(serverStream{s}) },
	}
}

func serve(port int) error {
	lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	srv.RegisterService(&serviceDesc, struct{}{})
	// Stop on SIGTERM as the dubbo-go servers do.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sig; srv.Stop() }()
	return srv.Serve(lis)
}

type serverStream struct{ s grpc.ServerStream }

func (s serverStream) Recv() (*pb.GreeterRequest, error) {
	m := new(pb.GreeterRequest)
	return m, s.s.RecvMsg(m)
}

func (s serverStream) Send(m *pb.GreeterReply) error { return s.s.SendMsg(m) }

type grpcClient struct{ cc *grpc.ClientConn }

func dial(port int) (harness.Client, error) {
	cc, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return grpcClient{cc}, nil
}

var bidiDesc = &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}

func (c grpcClient) Open(ctx context.Context, method string) (harness.Stream, error) {
	s, err := c.cc.NewStream(ctx, bidiDesc, "/"+harness.ServiceName+"/"+method)
	if err != nil {
		return nil, err
	}
	return clientStream{s}, nil
}

func (c grpcClient) Call(ctx context.Context, method string, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	res := new(pb.GreeterReply)
	if err := c.cc.Invoke(ctx, "/"+harness.ServiceName+"/"+method, req, res); err != nil {
		return nil, err
	}
	return res, nil
}

type clientStream struct{ s grpc.ClientStream }

func (s clientStream) Send(m *pb.GreeterRequest) error { return s.s.SendMsg(m) }
func (s clientStream) CloseSend() error                { return s.s.CloseSend() }

func (s clientStream) Recv() (*pb.GreeterReply, error) {
	m := new(pb.GreeterReply)
	return m, s.s.RecvMsg(m)
}
