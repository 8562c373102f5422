package streamx_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// Calls made with dubbo-go's own API, as generated Triple stubs make them,
// go through stock Triple's client and still reach a streamx provider.
// (No leak check: a stock Triple invoker lives until dubbo-go destroys the
// reference, and a *client.Connection cannot be closed.)
func TestStockTripleConsumer(t *testing.T) {
	// Over TCP: stock Triple's client dials with its own transport.
	ctx, url := ctxT(t), testenv.Serve(t, testgreeter.NewService())
	cli, err := client.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.DialWithInfo(greeter.ServiceName, &client.ClientInfo{
		InterfaceName: greeter.ServiceName,
		MethodNames:   []string{"sayHello", "biStream"},
	}, client.WithURL(url))
	if err != nil {
		t.Fatal(err)
	}
	resp := new(pb.GreeterReply)
	if err := conn.CallUnary(ctx, []any{greeter.Req("stock")}, resp, "sayHello"); err != nil || resp.Message != "Hello, stock" {
		t.Fatalf("stock unary: %v, %v", resp, err)
	}
	raw, err := conn.CallBidiStream(ctx, "biStream")
	if err != nil {
		t.Fatal(err)
	}
	bs, ok := raw.(*tri.BidiStreamForClient)
	if !ok {
		t.Fatalf("stock bidi returned %T", raw)
	}
	if err := bs.Send(greeter.Req("x")); err != nil {
		t.Fatal(err)
	}
	got := new(pb.GreeterReply)
	if err := bs.Receive(got); err != nil || got.Message != "Hello, x" {
		t.Fatalf("stock bidi: %v, %v", got, err)
	}
	if err := bs.CloseRequest(); err != nil {
		t.Fatal(err)
	}
	if err := bs.Receive(got); !errors.Is(err, io.EOF) {
		t.Fatalf("stock bidi end: %v", err)
	}
	_ = bs.CloseResponse()
}

// A plain Dial (no ClientInfo) used with dubbo-go's own call API makes stock
// dubbo-go panic; streamx turns that into an error naming the fix.
func TestStockCallWithoutInfo(t *testing.T) {
	ctx, url := greeterConn(t)
	err := dial(t, url).CallUnary(ctx, []any{greeter.Req("x")}, new(pb.GreeterReply), "sayHello")
	if streamx.CodeOf(err) != streamx.CodeFailedPrecondition || !strings.Contains(err.Error(), "DialWithInfo") {
		t.Fatalf("got %v", err)
	}
}

// A plain grpc-go client can stream with a streamx provider.
func TestGRPCGoConsumer(t *testing.T) {
	noLeaks(t)
	// Over TCP: grpc-go dials with its own transport.
	ctx, url := ctxT(t), testenv.Serve(t, testgreeter.NewService())
	cc, err := grpc.NewClient(strings.TrimPrefix(url, "tri://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	desc := &grpc.StreamDesc{StreamName: "biStream", ServerStreams: true, ClientStreams: true}
	s, err := cc.NewStream(ctx, desc, "/"+greeter.ServiceName+"/biStream")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"g1", "g2"} {
		if err := s.SendMsg(greeter.Req(n)); err != nil {
			t.Fatal(err)
		}
		got := new(pb.GreeterReply)
		if err := s.RecvMsg(got); err != nil || got.Message != "Hello, "+n {
			t.Fatalf("grpc-go bidi: %v, %v", got, err)
		}
	}
	_ = s.CloseSend()
	if err := s.RecvMsg(new(pb.GreeterReply)); !errors.Is(err, io.EOF) {
		t.Fatalf("grpc-go end: %v", err)
	}
}

// A provider run by server.Serve exports dubbo-go's health service through
// streamx; on SIGTERM it reports NOT_SERVING, lets an open stream finish,
// and exits cleanly.
func TestServeHealthAndGracefulShutdown(t *testing.T) {
	noLeaks(t)
	port := testenv.FreePort(t)
	proc := startSelf(t, port, "greeter")
	addr := testenv.Addr(port)
	ctx := ctxT(t)

	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	health := healthpb.NewHealthClient(cc)
	resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: greeter.ServiceName})
	if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health check: %v, %v", resp, err)
	}
	watch, err := health.Watch(ctx, &healthpb.HealthCheckRequest{Service: greeter.ServiceName})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := watch.Recv(); err != nil || st.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health watch: %v, %v", st, err)
	}

	// gRPC reflection lists the exported service.
	rs, err := rpb.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 dubbo-go v3.3.2 serves the v1alpha reflection service
	if err := rs.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	lr, err := rs.Recv()
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	var listed []string
	//lint:ignore SA1019 as above
	for _, sv := range lr.GetListServicesResponse().GetService() {
		//lint:ignore SA1019 as above
		listed = append(listed, sv.GetName())
	}
	if !slices.Contains(listed, greeter.ServiceName) {
		t.Fatalf("reflection lists %q, not %s", listed, greeter.ServiceName)
	}
	_ = rs.CloseSend()

	conn := dial(t, fmt.Sprintf("tri://%s", addr))
	s, err := greeter.BiStream.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(greeter.Req("before")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Read(); err != nil || m.Message != "Hello, before" {
		t.Fatalf("before shutdown: %v, %v", m, err)
	}

	if err := syscall.Kill(proc.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	st, err := watch.Recv()
	if err != nil || st.Status != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health watch after SIGTERM: %v, %v", st, err)
	}
	// The open stream still works while the provider drains.
	if err := s.Write(greeter.Req("during")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Read(); err != nil || m.Message != "Hello, during" {
		t.Fatalf("during shutdown: %v, %v", m, err)
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("end during shutdown: %v", err)
	}
	proc.WaitFor(t, 60*time.Second, "exit", proc.Exited)
	if !strings.Contains(proc.Output(), "Greeter provider listening") {
		t.Fatalf("unexpected provider output:\n%s", proc.Output())
	}
}
