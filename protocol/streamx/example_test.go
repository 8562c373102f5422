package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// Methods are declared once, with their wire names and message types, and
// shared by consumers and providers.
var (
	exSayHello = streamx.NewUnary[*pb.GreeterRequest, *pb.GreeterReply]("sayHello")
	exJoin     = streamx.NewClientStream[*pb.GreeterRequest, *pb.GreeterReply]("clientStream")
	exCount    = streamx.NewServerStream[*pb.GreeterRequest, *pb.GreeterReply]("serverStream")
	exEcho     = streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("biStream")
)

// ExampleNewService builds a provider with no code generation and serves it
// with dubbo-go.
func ExampleNewService() {
	svc := streamx.NewService("example.Greeter")
	exSayHello.Handle(svc, func(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
		return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
	})
	// Streaming handlers: see exampleConn below.

	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(20880)))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := streamx.Register(srv, svc); err != nil {
		fmt.Println(err)
		return
	}
	// srv.Serve() would now serve until shutdown.
	fmt.Println("registered", svc.Reference())
	// Output: registered example.Greeter
}

func ExampleUnaryMethod_Call() {
	conn := exampleConn()
	reply, err := exSayHello.Call(context.Background(), conn, &pb.GreeterRequest{Name: "world"})
	fmt.Println(reply.GetMessage(), err)
	// Output: Hello, world <nil>
}

func ExampleClientStreamMethod_Open() {
	stream, err := exJoin.Open(context.Background(), exampleConn())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"a", "b", "c"} {
		_ = stream.Write(&pb.GreeterRequest{Name: name})
	}
	_ = stream.DoneWriting()
	fmt.Println(errors.Is(stream.Write(&pb.GreeterRequest{}), streamx.ErrWriteAfterDone))
	reply, err := stream.Read()
	fmt.Println(reply.GetMessage(), err)
	_, err = stream.Read()
	fmt.Println(errors.Is(err, io.EOF))
	// Output:
	// true
	// a b c <nil>
	// true
}

func ExampleServerStreamMethod_Call() {
	replies, err := exCount.Call(context.Background(), exampleConn(), &pb.GreeterRequest{Name: "n"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for reply := range replies.Messages() {
		fmt.Println(reply.Message)
	}
	fmt.Println("err:", replies.Err())
	// Output:
	// n 0
	// n 1
	// n 2
	// err: <nil>
}

func ExampleBidiStreamMethod_Open() {
	stream, err := exEcho.Open(context.Background(), exampleConn())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	_ = stream.Write(&pb.GreeterRequest{Name: "ping"})
	reply, _ := stream.Read()
	fmt.Println(reply.Message)
	_ = stream.DoneWriting()
	_, err = stream.Read()
	fmt.Println(errors.Is(err, io.EOF))
	// Output:
	// echo ping
	// true
}

func ExampleReadStream_ReadTimeout() {
	stream, err := exEcho.Open(context.Background(), exampleConn())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stream.Close()
	// Nothing was sent yet: the read times out and the stream stays open.
	_, err = stream.ReadTimeout(10 * time.Millisecond)
	fmt.Println(errors.Is(err, streamx.ErrReadTimeout))
	_ = stream.Write(&pb.GreeterRequest{Name: "late"})
	reply, err := stream.ReadTimeout(5 * time.Second)
	fmt.Println(reply.GetMessage(), err)
	// Output:
	// true
	// echo late <nil>
}

var (
	exOnce sync.Once
	exConn *client.Connection
)

// exampleConn serves ExampleNewService's provider on a free port once and
// returns a connection to it.
func exampleConn() *client.Connection {
	exOnce.Do(func() {
		logger.SetLoggerLevel("error") // keep dubbo-go's logs out of the output
		svc := streamx.NewService("example.Greeter")
		exSayHello.Handle(svc, func(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
			return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
		})
		exJoin.Handle(svc, func(_ context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
			var names []string
			for req := range in.Messages() {
				names = append(names, req.Name)
			}
			return &pb.GreeterReply{Message: strings.Join(names, " ")}, in.Err()
		})
		exCount.Handle(svc, func(_ context.Context, req *pb.GreeterRequest, out *streamx.WriteStream[*pb.GreeterReply]) error {
			for i := range 3 {
				if err := out.Write(&pb.GreeterReply{Message: fmt.Sprint(req.Name, " ", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		exEcho.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
			for req := range s.Messages() {
				if err := s.Write(&pb.GreeterReply{Message: "echo " + req.Name}); err != nil {
					return err
				}
			}
			return s.Err()
		})
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		srv, _ := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
		if err := streamx.Register(srv, svc, server.WithVersion("example")); err != nil {
			panic(err)
		}
		if err := srv.GetServiceOptionsByInterfaceName("example.Greeter").Export(); err != nil {
			panic(err)
		}
		cli, _ := client.NewClient()
		exConn, _ = cli.Dial("example.Greeter", client.WithURL(fmt.Sprintf("tri://127.0.0.1:%d", port)), client.WithVersion("example"))
	})
	return exConn
}
