package zookeeper

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	_ "dubbo.apache.org/dubbo-go/v3/imports"
	triple "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
	dubboregistry "dubbo.apache.org/dubbo-go/v3/registry"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// serveGreeter serves sayHello on a free port with dubbo-go's triple
// handler; it stands in for a dubbo-python process (what matters here is
// the node the test writes for it, in dubbo-python's format).
func serveGreeter(t *testing.T) int {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/"+greeter+"/sayHello", triple.NewUnaryHandler("/"+greeter+"/sayHello",
		func() any { return new(pb.GreeterRequest) },
		func(_ context.Context, req *triple.Request) (*triple.Response, error) {
			in := req.Msg.(*pb.GreeterRequest)
			return triple.NewResponse(&pb.GreeterReply{Message: "Hello, " + in.Name}), nil
		}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, Protocols: new(http.Protocols)}
	srv.Protocols.SetUnencryptedHTTP2(true)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// TestDubboGoConsumerCallsPythonStyleProvider goes through dubbo-go's whole
// consumer stack (client, registry protocol, directory) configured with
// "protocol: zookeeper" at interface level, and calls a provider known
// only from a dubbo-python style node. No leak check: dubbo-go's client
// keeps global goroutines.
func TestDubboGoConsumerCallsPythonStyleProvider(t *testing.T) {
	z := testenv.StartZookeeper(t)
	port := serveGreeter(t)
	py := newPyClient(t, z.Addr)
	py.register(greeter, port)

	cli, err := client.NewClient(
		client.WithClientRegistry(
			dubboregistry.WithZookeeper(),
			dubboregistry.WithAddress(z.Addr),
			dubboregistry.WithRegisterInterface(),
		),
		client.WithClientProtocolTriple(),
		client.WithClientSerialization(constant.ProtobufSerialization),
	)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.DialWithInfo(greeter, &client.ClientInfo{
		InterfaceName: greeter,
		MethodNames:   []string{"sayHello"},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	var reply *pb.GreeterReply
	testenv.Eventually(t, eventWait, "a successful call", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		reply = new(pb.GreeterReply)
		err = conn.CallUnary(ctx, []any{&pb.GreeterRequest{Name: "zk"}}, reply, "sayHello")
		return err == nil
	})
	if reply.Message != "Hello, zk" {
		t.Fatalf("reply = %q, want %q", reply.Message, "Hello, zk")
	}
}
