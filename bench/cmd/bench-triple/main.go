// Command bench-triple is the stock dubbo-go v3.3.2 Triple side of the
// benchmark: its own API, as generated Triple code uses it, and no streamx
// (this program must never import it). See bench/README.md.
package main

import (
	"context"
	"fmt"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	_ "dubbo.apache.org/dubbo-go/v3/imports" // clusters, filters, the tri protocol: as dubbo-go's samples do
	"dubbo.apache.org/dubbo-go/v3/protocol"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	logger.SetLoggerLevel("warn")
	harness.Main(harness.Framework{Name: "triple", Serve: serve, Dial: dial})
}

// Handler is the service object dubbo-go registers. dubbo-go's service map
// wants an exported type with exported methods; the work is in harness.
type Handler struct{}

// Echo, Sink and Source run the shared stream handlers.
func (Handler) Echo(s *tri.BidiStream) error   { return harness.Echo(serverStream{s}) }
func (Handler) Sink(s *tri.BidiStream) error   { return harness.Sink(serverStream{s}) }
func (Handler) Source(s *tri.BidiStream) error { return harness.Source(serverStream{s}) }

// serviceInfo is what protoc-gen-triple would generate for the service.
var serviceInfo = common.ServiceInfo{
	InterfaceName: harness.ServiceName,
	ServiceType:   Handler{},
	Methods: []common.MethodInfo{
		bidiMethod(harness.MethodEcho, Handler.Echo),
		bidiMethod(harness.MethodSink, Handler.Sink),
		bidiMethod(harness.MethodSource, Handler.Source),
		unaryMethod(harness.MethodUnary, harness.Unary),
		unaryMethod(harness.MethodStats, func(*pb.GreeterRequest) *pb.GreeterReply { return harness.StatsReply() }),
	},
}

func bidiMethod(name string, fn func(Handler, *tri.BidiStream) error) common.MethodInfo {
	return common.MethodInfo{
		Name:           name,
		Type:           constant.CallBidiStream,
		StreamInitFunc: func(base any) any { return base.(*tri.BidiStream) },
		MethodFunc: func(_ context.Context, args []any, h any) (any, error) {
			return nil, fn(h.(Handler), args[0].(*tri.BidiStream))
		},
	}
}

func unaryMethod(name string, fn func(*pb.GreeterRequest) *pb.GreeterReply) common.MethodInfo {
	return common.MethodInfo{
		Name:        name,
		Type:        constant.CallUnary,
		ReqInitFunc: func() any { return new(pb.GreeterRequest) },
		MethodFunc: func(_ context.Context, args []any, _ any) (any, error) {
			return tri.NewResponse(fn(args[0].(*pb.GreeterRequest))), nil
		},
	}
}

func serve(port int) error {
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		return err
	}
	if err := srv.Register(Handler{}, &serviceInfo, server.WithInterface(harness.ServiceName)); err != nil {
		return err
	}
	return srv.Serve()
}

type serverStream struct{ s *tri.BidiStream }

func (s serverStream) Recv() (*pb.GreeterRequest, error) {
	m := new(pb.GreeterRequest)
	return m, s.s.Receive(m)
}

func (s serverStream) Send(m *pb.GreeterReply) error { return s.s.Send(m) }

type tripleClient struct{ conn *client.Connection }

func dial(port int) (harness.Client, error) {
	cli, err := client.NewClient()
	if err != nil {
		return nil, err
	}
	conn, err := cli.DialWithInfo(harness.ServiceName, &client.ClientInfo{
		InterfaceName: harness.ServiceName,
		MethodNames: []string{harness.MethodEcho, harness.MethodSink, harness.MethodSource,
			harness.MethodUnary, harness.MethodStats},
	}, client.WithURL(fmt.Sprintf("tri://127.0.0.1:%d", port)), client.WithRequestTimeout(time.Minute))
	if err != nil {
		return nil, err
	}
	return tripleClient{conn}, nil
}

func (c tripleClient) Open(ctx context.Context, method string) (harness.Stream, error) {
	raw, err := c.conn.CallBidiStream(ctx, method)
	if err != nil {
		return nil, err
	}
	s, ok := raw.(*tri.BidiStreamForClient)
	if !ok {
		return nil, fmt.Errorf("CallBidiStream returned %T", raw)
	}
	return clientStream{s}, nil
}

func (c tripleClient) Call(ctx context.Context, method string, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	res := new(pb.GreeterReply)
	if err := c.conn.CallUnary(ctx, []any{req}, res, method); err != nil {
		return nil, err
	}
	return res, nil
}

type clientStream struct{ s *tri.BidiStreamForClient }

func (s clientStream) Send(m *pb.GreeterRequest) error { return s.s.Send(m) }
func (s clientStream) CloseSend() error                { return s.s.CloseRequest() }

func (s clientStream) Recv() (*pb.GreeterReply, error) {
	m := new(pb.GreeterReply)
	return m, s.s.Receive(m)
}
