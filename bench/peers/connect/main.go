// Command bench-connect is the connect-go side of the benchmark, speaking
// the gRPC protocol (connect.WithGRPC) over cleartext HTTP/2 with Go's
// net/http, with handlers declared by hand as protoc-gen-connect-go would
// generate them. See bench/README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"connectrpc.com/connect"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func main() {
	harness.Main(harness.Framework{Name: "connect", Serve: serve, Dial: dial})
}

func procedure(method string) string { return "/" + harness.ServiceName + "/" + method }

func serve(port int) error {
	mux := http.NewServeMux()
	unary := func(method string, fn func(*pb.GreeterRequest) *pb.GreeterReply) {
		mux.Handle(procedure(method), connect.NewUnaryHandler(procedure(method),
			func(_ context.Context, req *connect.Request[pb.GreeterRequest]) (*connect.Response[pb.GreeterReply], error) {
				return connect.NewResponse(fn(req.Msg)), nil
			}))
	}
	bidi := func(method string, fn func(harness.ServerStream) error) {
		mux.Handle(procedure(method), connect.NewBidiStreamHandler(procedure(method),
			func(_ context.Context, s *connect.BidiStream[pb.GreeterRequest, pb.GreeterReply]) error {
				return fn(serverStream{s})
			}))
	}
	unary(harness.MethodUnary, harness.Unary)
	unary(harness.MethodStats, func(*pb.GreeterRequest) *pb.GreeterReply { return harness.StatsReply() })
	bidi(harness.MethodEcho, harness.Echo)
	bidi(harness.MethodSink, harness.Sink)
	bidi(harness.MethodSource, harness.Source)

	lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	// idle10k opens 10,000 streams on one connection, as for streamx.
	srv := &http.Server{Handler: mux, Protocols: &protocols, HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 20000}}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sig; srv.Close() }()
	if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type serverStream struct {
	s *connect.BidiStream[pb.GreeterRequest, pb.GreeterReply]
}

func (s serverStream) Recv() (*pb.GreeterRequest, error) { return s.s.Receive() }
func (s serverStream) Send(m *pb.GreeterReply) error     { return s.s.Send(m) }

type connectClient struct {
	bidi  map[string]*connect.Client[pb.GreeterRequest, pb.GreeterReply]
	unary map[string]*connect.Client[pb.GreeterRequest, pb.GreeterReply]
}

func dial(port int) (harness.Client, error) {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true) // h2c with prior knowledge, as gRPC clients do
	hc := &http.Client{Transport: &http.Transport{Protocols: &protocols}}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := connectClient{bidi: map[string]*connect.Client[pb.GreeterRequest, pb.GreeterReply]{}, unary: map[string]*connect.Client[pb.GreeterRequest, pb.GreeterReply]{}}
	for _, m := range []string{harness.MethodEcho, harness.MethodSink, harness.MethodSource} {
		c.bidi[m] = connect.NewClient[pb.GreeterRequest, pb.GreeterReply](hc, base+procedure(m), connect.WithGRPC())
	}
	for _, m := range []string{harness.MethodUnary, harness.MethodStats} {
		c.unary[m] = connect.NewClient[pb.GreeterRequest, pb.GreeterReply](hc, base+procedure(m), connect.WithGRPC())
	}
	return c, nil
}

func (c connectClient) Open(ctx context.Context, method string) (harness.Stream, error) {
	cl, ok := c.bidi[method]
	if !ok {
		return nil, fmt.Errorf("no bidi method %q", method)
	}
	return clientStream{cl.CallBidiStream(ctx)}, nil
}

func (c connectClient) Call(ctx context.Context, method string, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	cl, ok := c.unary[method]
	if !ok {
		return nil, fmt.Errorf("no unary method %q", method)
	}
	res, err := cl.CallUnary(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

type clientStream struct {
	s *connect.BidiStreamForClient[pb.GreeterRequest, pb.GreeterReply]
}

func (s clientStream) Send(m *pb.GreeterRequest) error { return s.s.Send(m) }
func (s clientStream) CloseSend() error                { return s.s.CloseRequest() }
func (s clientStream) Recv() (*pb.GreeterReply, error) { return s.s.Receive() }
