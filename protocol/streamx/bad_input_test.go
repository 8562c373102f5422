package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func wantCode(t *testing.T, err error, code streamx.Code, msgPart string) {
	t.Helper()
	var se *streamx.Error
	if !errors.As(err, &se) || se.Code() != code || !strings.Contains(se.Message(), msgPart) {
		t.Fatalf("got %v; want %v containing %q", err, code, msgPart)
	}
}

func TestUnknownMethod(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)
	nope := streamx.NewUnary[greeter.Request, greeter.Reply]("noSuchMethod")
	_, err := nope.Call(ctx, conn, greeter.Req("x"))
	wantCode(t, err, streamx.CodeUnimplemented, "noSuchMethod")
	nopeStream := streamx.NewBidiStream[greeter.Request, greeter.Reply]("noSuchStream")
	s, err := nopeStream.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Read()
	wantCode(t, err, streamx.CodeUnimplemented, "noSuchStream")
}

// A consumer whose declaration disagrees with the provider's gets
// InvalidArgument naming the problem, and the provider keeps serving.
func TestWrongMessageType(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)
	asJSON := streamx.NewUnary[testgreeter.JSONRequest, testgreeter.JSONReply]("sayHello", streamx.WithCodec(streamx.JSONCodec{}))
	_, err := asJSON.Call(ctx, conn, testgreeter.JSONRequest{Name: "x"})
	wantCode(t, err, streamx.CodeInvalidArgument, "application/grpc+proto")

	garbage := streamx.NewUnary[[]byte, []byte]("sayHello", streamx.WithCodec(fakeProto{}))
	_, err = garbage.Call(ctx, conn, []byte{0xff, 0xff, 0xff})
	wantCode(t, err, streamx.CodeInvalidArgument, "cannot decode")

	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("still")); err != nil || r.Message != "Hello, still" {
		t.Fatalf("provider stopped serving: %v, %v", r, err)
	}
}

// fakeProto sends raw bytes labelled as protobuf.
type fakeProto struct{ streamx.RawCodec }

func (fakeProto) Name() string { return "proto" }

func TestBadDeclarations(t *testing.T) {
	noLeaks(t)
	bad := streamx.NewUnary[testgreeter.JSONRequest, greeter.Reply]("x") // proto codec, non-proto type
	if bad.Err() == nil || !strings.Contains(bad.Err().Error(), "proto") {
		t.Fatalf("declaration error: %v", bad.Err())
	}
	if _, err := bad.Call(ctxT(t), nil, testgreeter.JSONRequest{}); err == nil {
		t.Fatal("call of a bad declaration succeeded")
	}
	svc := streamx.NewService("bad.Service")
	bad.Handle(svc, func(context.Context, testgreeter.JSONRequest) (greeter.Reply, error) { return nil, nil })
	greeter.SayHello.Handle(svc, nil)
	h := func(context.Context, greeter.Request) (greeter.Reply, error) { return nil, nil }
	greeter.SayHello.Handle(svc, h)
	greeter.SayHello.Handle(svc, h)
	err := svc.Err()
	for _, want := range []string{"proto", "nil handler", "registered twice"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Service.Err() = %v; want it to mention %q", err, want)
		}
	}
	srv, _ := server.NewServer()
	if err := streamx.Register(srv, svc); err == nil {
		t.Fatal("Register of a bad service succeeded")
	}
	if _, err := greeter.SayHello.Call(ctxT(t), nil, greeter.Req("x")); streamx.CodeOf(err) != streamx.CodeInvalidArgument {
		t.Fatalf("nil connection: %v", err)
	}
}

func TestNilMessages(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)
	_, err := greeter.SayHello.Call(ctx, conn, nil)
	wantCode(t, err, streamx.CodeInvalidArgument, "nil message")
	s, err := greeter.BiStream.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Write(nil), streamx.CodeInvalidArgument, "nil message")
	if err := s.Write(greeter.Req("after nil")); err != nil { // the stream goes on
		t.Fatal(err)
	}
	if m, err := s.Read(); err != nil || m.Message != "Hello, after nil" {
		t.Fatalf("got %v, %v", m, err)
	}
	_ = s.DoneWriting()
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
}

var (
	panicUnary = streamx.NewUnary[greeter.Request, greeter.Reply]("panicUnary")
	panicBidi  = streamx.NewBidiStream[greeter.Request, greeter.Reply]("panicBidi")
	nilReply   = streamx.NewUnary[greeter.Request, greeter.Reply]("nilReply")
	holdBidi   = streamx.NewBidiStream[greeter.Request, greeter.Reply]("holdBidi")
)

// trouble is a service whose handlers misbehave.
func trouble(held chan<- error) *streamx.Service {
	svc := streamx.NewService("test.Trouble")
	panicUnary.Handle(svc, func(context.Context, greeter.Request) (greeter.Reply, error) { panic("unary boom") })
	panicBidi.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		if _, err := s.Read(); err != nil {
			return err
		}
		panic("bidi boom")
	})
	nilReply.Handle(svc, func(context.Context, greeter.Request) (greeter.Reply, error) { return nil, nil })
	holdBidi.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		_ = s.Write(&pb.GreeterReply{}) // tell the consumer the handler runs
		_, err := s.Read()              // blocks until the consumer goes away
		held <- err
		return err
	})
	greeter.SayHello.Handle(svc, func(_ context.Context, r greeter.Request) (greeter.Reply, error) {
		return &pb.GreeterReply{Message: "ok " + r.Name}, nil
	})
	return svc
}

func troubleConn(t *testing.T) (context.Context, *client.Connection, chan error) {
	held := make(chan error, 1)
	url := serve(t, trouble(held))
	return ctxT(t), testenv.Dial(t, "test.Trouble", url), held
}

// A panicking handler fails its call with Internal; the provider goes on.
func TestHandlerPanics(t *testing.T) {
	noLeaks(t)
	ctx, conn, _ := troubleConn(t)
	_, err := panicUnary.Call(ctx, conn, greeter.Req("x"))
	wantCode(t, err, streamx.CodeInternal, "unary boom")
	s, err := panicBidi.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(greeter.Req("x")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Read()
	wantCode(t, err, streamx.CodeInternal, "bidi boom")
	_, err = nilReply.Call(ctx, conn, greeter.Req("x"))
	wantCode(t, err, streamx.CodeInternal, "no reply")
	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("after")); err != nil || r.Message != "ok after" {
		t.Fatalf("provider stopped serving: %v, %v", r, err)
	}
}

// A consumer that goes away mid-stream ends the handler's pending read with
// Canceled; the provider goes on.
func TestConsumerResetMidStream(t *testing.T) {
	noLeaks(t)
	ctx, conn, held := troubleConn(t)
	s, err := holdBidi.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); err != nil { // the handler is running
		t.Fatal(err)
	}
	s.Close()
	select {
	case err := <-held:
		if streamx.CodeOf(err) != streamx.CodeCanceled {
			t.Fatalf("handler read: %v; want canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler still blocked 5s after the consumer went away")
	}
	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("after")); err != nil || r.Message != "ok after" {
		t.Fatalf("provider stopped serving: %v, %v", r, err)
	}
}

// A provider that vanishes mid-stream ends the consumer's reads and writes
// with Unavailable, not a hang.
func TestProviderVanishes(t *testing.T) {
	noLeaks(t)
	port := testenv.FreePort(t)
	proc := startSelf(t, port, "trouble") // a provider in another process, killed below
	closes := &closeCounter{}
	conn := testenv.Dial(t, "test.Trouble", fmt.Sprintf("tri://127.0.0.1:%d", port), filter.WithReferenceFilters(closes))
	ctx := ctxT(t)
	s, err := holdBidi.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); err != nil {
		t.Fatal(err)
	}
	proc.Kill()
	_, err = s.Read()
	if code := streamx.CodeOf(err); code != streamx.CodeUnavailable && code != streamx.CodeInternal {
		t.Fatalf("read after the provider died: %v; want unavailable", err)
	}
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		werr = s.Write(greeter.Req("x"))
	}
	if werr == nil {
		t.Fatal("writes to a dead provider kept succeeding")
	}
	// A stream filter's OnClose ran exactly once, with the failure.
	testenv.Eventually(t, 5*time.Second, "OnClose", func() bool { return closes.n.Load() > 0 })
	time.Sleep(50 * time.Millisecond) // a second close would come now
	if n, code := closes.n.Load(), streamx.Code(closes.code.Load()); n != 1 || code == streamx.CodeOK {
		t.Fatalf("OnClose ran %d times, last with %v", n, code)
	}
}

// closeCounter is a stream filter counting OnClose calls.
type closeCounter struct {
	n    atomic.Int32
	code atomic.Uint32
}

func (c *closeCounter) Open(context.Context, *filter.StreamInfo, filter.Control) (filter.Hooks, error) {
	return c, nil
}
func (c *closeCounter) OnSend(context.Context, filter.Message) error    { return nil }
func (c *closeCounter) OnReceive(context.Context, filter.Message) error { return nil }
func (c *closeCounter) OnClose(_ context.Context, r filter.Result) {
	c.n.Add(1)
	c.code.Store(uint32(r.Code()))
}

const helperEnv = "STREAMX_TEST_PROVIDER"

// startSelf runs this test binary as a provider on port: "trouble" exports
// test.Trouble, "greeter" runs the Greeter sample's main (server.Serve,
// graceful shutdown on SIGTERM).
func startSelf(t *testing.T, port int, mode string) *testenv.Proc {
	env := []string{helperEnv + "=" + mode, fmt.Sprintf("STREAMX_PORT=%d", port)}
	p := testenv.Start(t, "provider", "", env, os.Args[0], "-test.run=^TestHelperProvider$")
	p.WaitTCP(t, testenv.Addr(port), 30*time.Second)
	return p
}

// TestHelperProvider is the provider process of startSelf; it does nothing
// in a normal test run.
func TestHelperProvider(t *testing.T) {
	port := os.Getenv("STREAMX_PORT")
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "greeter":
		greeter.ServerMain()
		return
	}
	srv, err := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(mustAtoi(port))))
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, trouble(make(chan error, 100))); err != nil {
		t.Fatal(err)
	}
	if err := srv.GetServiceOptionsByInterfaceName("test.Trouble").Export(); err != nil {
		t.Fatal(err)
	}
	select {} // until killed
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
