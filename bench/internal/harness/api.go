// Package harness is what the framework programs share: the cases a
// client runs, the handlers a server runs, and the small interfaces a
// framework implements to plug into both. It must not import streamx, so
// that the stock Triple and grpc-go programs never link it.
package harness

import (
	"context"
	"time"

	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// ServiceName is the service every framework serves, with the methods
// below.
const ServiceName = "bench.Echo"

// The methods, named as on the wire. echo, sink and source are bidi
// streams so that every framework opens them the same way.
const (
	MethodEcho   = "echo"   // bidi: one reply per request, same name
	MethodSink   = "sink"   // bidi: reads to the end, replies the count
	MethodSource = "source" // bidi: first request's name is a size; replies that size until cancelled
	MethodUnary  = "unary"  // unary echo
	MethodStats  = "stats"  // unary: the server's Stats as JSON
)

// Client is a framework's consumer, connected to one server.
type Client interface {
	// Open opens a bidi stream on method; cancelling ctx cancels it.
	Open(ctx context.Context, method string) (Stream, error)
	// Call makes a unary call.
	Call(ctx context.Context, method string, req *pb.GreeterRequest) (*pb.GreeterReply, error)
}

// Stream is a consumer's bidi stream. Send and Recv may run in two
// goroutines at once.
type Stream interface {
	Send(*pb.GreeterRequest) error
	// Recv returns a fresh reply, or an error wrapping io.EOF at the end.
	Recv() (*pb.GreeterReply, error)
	// CloseSend half-closes the stream.
	CloseSend() error
}

// TimedStream is a Stream that can also wait at most d for a reply
// (streamx's ReadTimeout); the parity case needs it.
type TimedStream interface {
	Stream
	RecvTimeout(d time.Duration) (*pb.GreeterReply, error)
}

// ServerStream is a provider's side of a bidi stream.
type ServerStream interface {
	Recv() (*pb.GreeterRequest, error)
	Send(*pb.GreeterReply) error
}

// Framework is one framework's program: a server and a client.
type Framework struct {
	Name string
	// Serve serves ServiceName on 127.0.0.1:port until the process is
	// signalled.
	Serve func(port int) error
	// Dial connects a client to 127.0.0.1:port.
	Dial func(port int) (Client, error)
}
