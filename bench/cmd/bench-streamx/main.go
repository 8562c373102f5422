// Command bench-streamx is the streamx side of the benchmark: dubbo-go's
// tri protocol served by streamx. See bench/README.md.
//
// Built (or copied) as bench-streamx-otel it is the framework
// "streamx-otel": both sides trace every call with the otel package's
// interceptor, every span sampled and recorded, none exported, so that
// the table shows what tracing costs per message.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	otelapi "go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
	"github.com/dubbo-go-streamx/streamx/config"
	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

type (
	req = *pb.GreeterRequest
	res = *pb.GreeterReply
)

// The methods of harness.ServiceName.
var (
	echo   = streamx.NewBidiStream[req, res](harness.MethodEcho)
	sink   = streamx.NewBidiStream[req, res](harness.MethodSink)
	source = streamx.NewBidiStream[req, res](harness.MethodSource)
	unary  = streamx.NewUnary[req, res](harness.MethodUnary)
	stats  = streamx.NewUnary[req, res](harness.MethodStats)
)

var bidi = map[string]*streamx.BidiStreamMethod[req, res]{
	harness.MethodEcho: echo, harness.MethodSink: sink, harness.MethodSource: source,
}

// traced is whether this is bench-streamx-otel.
var traced = filepath.Base(os.Args[0]) == "bench-streamx-otel"

func main() {
	logger.SetLoggerLevel("warn")
	name := "streamx"
	if traced {
		name = "streamx-otel"
		otelapi.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())))
	}
	harness.Main(harness.Framework{Name: name, Serve: serve, Dial: dial})
}

// maxStreams is the provider's max-concurrent-streams, above the idle
// case's 10,000 streams on one connection (streamx's default is 1000), so
// that case still measures 10,000 open streams.
const maxStreams = 20000

func serve(port int) error {
	s, err := config.Defaults()
	if err != nil {
		return err
	}
	s.MaxConcurrentStreams = maxStreams
	if err := config.SetDefaults(s); err != nil {
		return err
	}
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		return err
	}
	svc := streamx.NewService(harness.ServiceName)
	handle := func(m *streamx.BidiStreamMethod[req, res], h func(harness.ServerStream) error) {
		m.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[req, res]) error {
			return h(serverStream{s})
		})
	}
	handle(echo, harness.Echo)
	handle(sink, harness.Sink)
	handle(source, harness.Source)
	unary.Handle(svc, func(_ context.Context, r req) (res, error) { return harness.Unary(r), nil })
	stats.Handle(svc, func(context.Context, req) (res, error) { return harness.StatsReply(), nil })
	var opts []server.ServiceOption
	if traced {
		opts = append(opts, server.WithFilter(streamxotel.Name))
	}
	if err := streamx.Register(srv, svc, opts...); err != nil {
		return err
	}
	return srv.Serve()
}

type serverStream struct {
	s *streamx.ReadWriteStream[req, res]
}

func (s serverStream) Recv() (req, error) { return s.s.Read() }
func (s serverStream) Send(m res) error   { return s.s.Write(m) }

type streamxClient struct{ conn *client.Connection }

func dial(port int) (harness.Client, error) {
	cli, err := client.NewClient()
	if err != nil {
		return nil, err
	}
	opts := []client.ReferenceOption{
		client.WithURL(fmt.Sprintf("tri://127.0.0.1:%d", port)),
		client.WithRequestTimeout(time.Minute),
	}
	if traced {
		opts = append(opts, client.WithFilter(streamxotel.Name))
	}
	conn, err := cli.Dial(harness.ServiceName, opts...)
	if err != nil {
		return nil, err
	}
	return streamxClient{conn}, nil
}

func (c streamxClient) Open(ctx context.Context, method string) (harness.Stream, error) {
	m, ok := bidi[method]
	if !ok {
		return nil, fmt.Errorf("no bidi method %q", method)
	}
	s, err := m.Open(ctx, c.conn)
	if err != nil {
		return nil, err
	}
	return clientStream{s}, nil
}

func (c streamxClient) Call(ctx context.Context, method string, r req) (res, error) {
	switch method {
	case harness.MethodUnary:
		return unary.Call(ctx, c.conn, r)
	case harness.MethodStats:
		return stats.Call(ctx, c.conn, r)
	}
	return nil, fmt.Errorf("no unary method %q", method)
}

// clientStream is a harness.TimedStream: parity reads with ReadTimeout.
type clientStream struct {
	s *streamx.ReadWriteStream[res, req]
}

func (s clientStream) Send(m req) error                         { return s.s.Write(m) }
func (s clientStream) Recv() (res, error)                       { return s.s.Read() }
func (s clientStream) RecvTimeout(d time.Duration) (res, error) { return s.s.ReadTimeout(d) }
func (s clientStream) CloseSend() error                         { return s.s.DoneWriting() }
