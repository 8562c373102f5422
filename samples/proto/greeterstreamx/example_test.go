package greeterstreamx_test

import (
	"context"
	"fmt"
	"iter"
	"net"
	"slices"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// greeter implements the generated GreeterHandler: one method per rpc of
// greeter.proto, in the shapes of dubbo-python's handlers.
type greeter struct{}

func (greeter) SayHello(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
}

func (greeter) ClientStream(_ context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
	var names []string
	for req := range in.Messages() {
		names = append(names, req.Name)
	}
	return &pb.GreeterReply{Message: strings.Join(names, " ")}, in.Err()
}

func (greeter) ServerStream(_ context.Context, req *pb.GreeterRequest) iter.Seq2[*pb.GreeterReply, error] {
	return func(yield func(*pb.GreeterReply, error) bool) {
		for i := range 3 {
			if !yield(&pb.GreeterReply{Message: fmt.Sprint(req.Name, " ", i)}, nil) {
				return
			}
		}
	}
}

func (greeter) BiStream(_ context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
	for req := range s.Messages() {
		if err := s.Write(&pb.GreeterReply{Message: "Hello, " + req.Name}); err != nil {
			return err
		}
	}
	return s.Err()
}

func ExampleRegisterGreeterHandler() {
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(20000)))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := greeterstreamx.RegisterGreeterHandler(srv, greeter{}); err != nil {
		fmt.Println(err)
		return
	}
	// srv.Serve() would now serve org.apache.dubbo.samples.data.Greeter.
	fmt.Println("registered", greeterstreamx.GreeterInterfaceName)
	// Output: registered org.apache.dubbo.samples.data.Greeter
}

func ExampleGreeterClient() {
	conn, err := serve(greeter{}, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	c := greeterstreamx.NewGreeterClient(conn)

	reply, err := c.SayHello(ctx, &pb.GreeterRequest{Name: "world"})
	fmt.Println("unary:", reply.GetMessage(), err)

	call, err := c.ClientStream(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"a", "b", "c"} {
		_ = call.Write(&pb.GreeterRequest{Name: name})
	}
	reply, err = call.Reply()
	fmt.Println("client stream:", reply.GetMessage(), err)

	reply, err = c.ClientStreamWith(ctx, slices.Values([]*pb.GreeterRequest{{Name: "x"}, {Name: "y"}}))
	fmt.Println("client stream from an iterator:", reply.GetMessage(), err)

	replies, err := c.ServerStream(ctx, &pb.GreeterRequest{Name: "n"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for r := range replies.Messages() {
		fmt.Println("server stream:", r.Message)
	}
	fmt.Println("server stream err:", replies.Err())

	bidi, err := c.BiStreamWith(ctx, slices.Values([]*pb.GreeterRequest{{Name: "p"}, {Name: "q"}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	for r, err := range bidi.All() {
		fmt.Println("bidi:", r.GetMessage(), err)
	}
	// Output:
	// unary: Hello, world <nil>
	// client stream: a b c <nil>
	// client stream from an iterator: x y <nil>
	// server stream: n 0
	// server stream: n 1
	// server stream: n 2
	// server stream err: <nil>
	// bidi: Hello, p <nil>
	// bidi: Hello, q <nil>
}

func ExampleUnimplementedGreeterHandler() {
	// Only SayHello is written; the other methods answer CodeUnimplemented.
	type partial struct {
		greeterstreamx.UnimplementedGreeterHandler
	}
	conn, err := serve(partial{}, "partial")
	if err != nil {
		fmt.Println(err)
		return
	}
	replies, err := greeterstreamx.NewGreeterClient(conn).ServerStream(context.Background(), &pb.GreeterRequest{Name: "n"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = replies.Read()
	fmt.Println(streamx.CodeOf(err), err.(*streamx.Error).Message())
	// Output: unimplemented org.apache.dubbo.samples.data.Greeter.serverStream is not implemented
}

// serve exports h on a free 127.0.0.1 port and returns a connection to it.
// The version tells apart the examples' providers in this process.
func serve(h greeterstreamx.GreeterHandler, version string) (*client.Connection, error) {
	logger.SetLoggerLevel("error") // keep dubbo-go's logs out of the output
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, err := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		return nil, err
	}
	if err := greeterstreamx.RegisterGreeterHandler(srv, h, server.WithVersion(version)); err != nil {
		return nil, err
	}
	if err := srv.GetServiceOptionsByInterfaceName(greeterstreamx.GreeterInterfaceName).Export(); err != nil {
		return nil, err
	}
	cli, err := client.NewClient()
	if err != nil {
		return nil, err
	}
	return cli.Dial(greeterstreamx.GreeterInterfaceName,
		client.WithURL(fmt.Sprintf("tri://127.0.0.1:%d", port)), client.WithVersion(version))
}
