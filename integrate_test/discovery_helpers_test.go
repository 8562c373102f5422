package integrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbogo/go-zookeeper/zk"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// providersPath is where interface-level Greeter providers register.
const providersPath = "/dubbo/" + greeter.ServiceName + "/providers"

// Methods the discovery helper provider adds to the Greeter contract so a
// consumer can tell which provider served it.
var (
	discWhoAmI       = streamx.NewUnary[greeter.Request, greeter.Reply]("whoAmI")
	discWhoAmIStream = streamx.NewServerStream[greeter.Request, greeter.Reply]("whoAmIStream")
)

// discYAML writes body (a dubbogo.yml whose ${NAME} are replaced from vars)
// into a temp folder and returns its path.
func discYAML(t *testing.T, body string, vars map[string]string) string {
	t.Helper()
	for k, v := range vars {
		body = strings.ReplaceAll(body, "${"+k+"}", v)
	}
	p := filepath.Join(t.TempDir(), "dubbogo.yml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// discConsumer loads a consumer dubbogo.yml with dubbo-go's loader and
// refers its "greeter" reference.
func discConsumer(t *testing.T, body string, vars map[string]string) *client.Connection {
	t.Helper()
	cfg, err := config.Load(discYAML(t, body, vars))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cfg.Dial(cli, "greeter")
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

var discExportMu sync.Mutex // dubbo-go's service map is not safe for concurrent exports

// discServe exports the Greeter (plus whoAmI answering id) in this process
// as configured by a provider dubbogo.yml, registering it in the file's
// registries; it is unexported (and unregistered) when the test ends.
func discServe(t *testing.T, body string, vars map[string]string, id string) {
	t.Helper()
	cfg, err := config.Load(discYAML(t, body, vars))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cfg.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, discService(id)); err != nil {
		t.Fatal(err)
	}
	so := srv.GetServiceOptionsByInterfaceName(greeter.ServiceName)
	if so == nil {
		t.Fatal("no service options for the Greeter")
	}
	discExportMu.Lock()
	err = so.Export()
	discExportMu.Unlock()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	t.Cleanup(so.Unexport)
}

// discService is the Greeter with whoAmI ("<id>") and whoAmIStream
// ("<id> <i>" every 100 ms, <name> times).
func discService(id string) *streamx.Service {
	svc := testgreeter.NewService()
	discWhoAmI.Handle(svc, func(context.Context, greeter.Request) (greeter.Reply, error) {
		return discReply(id), nil
	})
	discWhoAmIStream.Handle(svc, func(ctx context.Context, r greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		var n int
		fmt.Sscan(r.Name, &n)
		for i := range n {
			if err := out.Write(discReply(fmt.Sprintf("%s %d", id, i))); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return nil
	})
	return svc
}

func discReply(msg string) greeter.Reply { return &pb.GreeterReply{Message: msg} }

const discHelperEnv = "STREAMX_DISCOVERY_HELPER_CONF"

// discStartProvider runs the Greeter provider configured by body in a new
// process (this test binary, TestHelperDiscoveryProvider) under dubbo-go's
// server.Serve, and waits until it accepts on port. Its whoAmI answers
// the port. SIGTERM makes it shut down gracefully.
func discStartProvider(t *testing.T, body string, vars map[string]string, port int) *testenv.Proc {
	t.Helper()
	path := discYAML(t, body, vars)
	env := []string{discHelperEnv + "=" + path, fmt.Sprintf("STREAMX_DISCOVERY_ID=%d", port)}
	p := testenv.Start(t, fmt.Sprintf("go provider :%d", port), "", env, os.Args[0], "-test.run=^TestHelperDiscoveryProvider$", "-test.v")
	p.WaitTCP(t, testenv.Addr(port), 60*time.Second)
	return p
}

// TestHelperDiscoveryProvider is the provider process of discStartProvider;
// it does nothing in a normal test run.
func TestHelperDiscoveryProvider(t *testing.T) {
	path := os.Getenv(discHelperEnv)
	if path == "" {
		return
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	srv, err := cfg.NewServer()
	if err == nil {
		err = streamx.Register(srv, discService(os.Getenv("STREAMX_DISCOVERY_ID")))
	}
	if err == nil {
		fmt.Println("SERVING")
		err = srv.Serve() // until SIGTERM, then graceful shutdown
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Println("SHUTDOWN DONE")
	os.Exit(0)
}

// zkConn is a plain Zookeeper client for looking at the registry's nodes.
func zkConn(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// zkProviders returns the decoded provider URLs under providersPath
// (nil when the folder does not exist or Zookeeper is down).
func zkProviders(c *zk.Conn) []string {
	kids, _, err := c.Children(providersPath)
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range kids {
		if u, err := url.QueryUnescape(k); err == nil {
			out = append(out, u)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// zkHasPort reports whether a provider URL with port is registered.
func zkHasPort(c *zk.Conn, port int) bool {
	for _, u := range zkProviders(c) {
		if strings.Contains(u, fmt.Sprintf(":%d/", port)) || strings.Contains(u, fmt.Sprintf(":%d?", port)) {
			return true
		}
	}
	return false
}

func discCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// discAllKinds calls the Greeter in all four kinds and checks every reply,
// in order.
func discAllKinds(t *testing.T, ctx context.Context, conn *client.Connection) {
	t.Helper()
	r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("world"))
	if err != nil {
		t.Fatalf("sayHello: %v", err)
	}
	discWant(t, "sayHello", []string{r.Message}, nil, "Hello, world")

	cs, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("a", "b", "c"))
	if err != nil {
		t.Fatalf("clientStream: %v", err)
	}
	got, err := discRead(cs)
	discWant(t, "clientStream", got, err, "a b c")

	ss, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("go"))
	if err != nil {
		t.Fatalf("serverStream: %v", err)
	}
	got, err = discRead(ss)
	discWant(t, "serverStream", got, err, "go 0", "go 1", "go 2")

	bs, err := greeter.BiStream.Open(ctx, conn)
	if err != nil {
		t.Fatalf("biStream: %v", err)
	}
	got = nil
	for _, n := range []string{"x", "y", "z"} {
		if err := bs.Write(greeter.Req(n)); err != nil {
			t.Fatalf("biStream write %s: %v", n, err)
		}
		m, err := bs.Read()
		if err != nil {
			t.Fatalf("biStream read after %s: %v", n, err)
		}
		got = append(got, m.Message)
	}
	if err := bs.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("biStream end: %v, want io.EOF", err)
	}
	discWant(t, "biStream", got, nil, "Hello, x", "Hello, y", "Hello, z")
}

func discRead(rs *streamx.ReadStream[greeter.Reply]) ([]string, error) {
	var out []string
	for m := range rs.Messages() {
		out = append(out, m.Message)
	}
	return out, rs.Err()
}

func discWant(t *testing.T, what string, got []string, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v (after %q)", what, err, got)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// discWho calls whoAmI and returns the provider's id, or "" and the error.
func discWho(ctx context.Context, conn *client.Connection) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := discWhoAmI.Call(ctx, conn, greeter.Req(""))
	if err != nil {
		return "", err
	}
	return r.Message, nil
}

// zkGoPair starts Zookeeper, a Go provider process registered in it and a
// Go consumer that found it (from the sample YAML), and returns them with
// a context of the given length.
func zkGoPair(t *testing.T, d time.Duration) (*testenv.Zookeeper, int, *testenv.Proc, *client.Connection, context.Context) {
	t.Helper()
	zkSrv := testenv.StartZookeeper(t)
	port := testenv.FreePort(t)
	proc := discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, d)
	if err := greeter.WaitReady(ctx, conn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return zkSrv, port, proc, conn, ctx
}
