package integrate_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// optinStockName is a service built as protoc-gen-go-triple builds one: a
// ServiceInfo whose methods stock Triple's handlers run.
const optinStockName = "org.example.optin.StockGreeter"

// OptinStockGreeter is its handler (dubbo-go's service map wants an
// exported type with an exported method).
type OptinStockGreeter struct{}

// Reference names its entry under dubbo.provider.services, as generated
// handlers' registration does.
func (OptinStockGreeter) Reference() string { return optinStockName }

// SayHello answers "stock, <name>".
func (OptinStockGreeter) SayHello(_ context.Context, r *pb.GreeterRequest) (*pb.GreeterReply, error) {
	return &pb.GreeterReply{Message: "stock, " + r.Name}, nil
}

func optinStockInfo() *common.ServiceInfo {
	return &common.ServiceInfo{
		InterfaceName: optinStockName,
		ServiceType:   OptinStockGreeter{},
		Methods: []common.MethodInfo{{
			Name:        "sayHello",
			Type:        constant.CallUnary,
			ReqInitFunc: func() any { return new(pb.GreeterRequest) },
			MethodFunc: func(ctx context.Context, args []any, h any) (any, error) {
				r, err := h.(OptinStockGreeter).SayHello(ctx, args[0].(*pb.GreeterRequest))
				if err != nil {
					return nil, err
				}
				return tri.NewResponse(r), nil
			},
		}},
	}
}

// optinServe loads body (a provider dubbogo.yml with "greeter" and
// "stockgreeter" services) and exports the Greeter (streamx) and the stock
// greeter as configured, each by itself. It returns the first export error.
func optinServe(t *testing.T, body string, vars map[string]string) error {
	t.Helper()
	cfg, err := config.Load(discYAML(t, body, vars))
	if err != nil {
		return err
	}
	srv, err := cfg.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, testgreeter.NewService()); err != nil {
		t.Fatal(err)
	}
	if err := dubboext.RegisterService(srv, OptinStockGreeter{}, optinStockInfo(), server.WithInterface(optinStockName)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{greeter.ServiceName, optinStockName} {
		unexport, err := dubboext.ExportAlone(srv, name)
		if err != nil {
			return err
		}
		t.Cleanup(unexport)
	}
	return nil
}

// optinPlainHTTP posts a Triple unary request over plain HTTP/1
// (application/proto), which stock Triple's handlers answer and
// streamx's refuses. It returns the reply, or "refused <status>".
func optinPlainHTTP(t *testing.T, addr, service string) string {
	t.Helper()
	body, err := proto.Marshal(greeter.Req("http1"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctxFor(t, 20*time.Second), http.MethodPost,
		"http://"+addr+"/"+service+"/sayHello", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/proto")
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("refused %d", resp.StatusCode)
	}
	reply := new(pb.GreeterReply)
	if err := proto.Unmarshal(b, reply); err != nil {
		t.Fatalf("plain HTTP reply from %s: %v (%q)", addr, err, b)
	}
	return reply.Message
}

// optinServer tells whose server listens at addr: an unknown method gets
// streamx's own "no method ... on this provider", and a plain 404 from
// stock Triple's server.
func optinServer(t *testing.T, addr string) string {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	err = cc.Invoke(ctxFor(t, 20*time.Second), "/optin.Probe/none", greeter.Req("x"), new(pb.GreeterReply))
	switch {
	case err != nil && strings.Contains(err.Error(), "on this provider"):
		return "streamx"
	case err != nil && strings.Contains(err.Error(), "404"):
		return "stock"
	}
	t.Fatalf("unknown method at %s: %v", addr, err)
	return ""
}

// optinCallBoth calls each service once with a dubbo-go consumer: the
// Greeter with streamx's declaration, the stock greeter with dubbo-go's
// API, as generated Triple code calls.
func optinCallBoth(t *testing.T, greeterAddr, stockAddr string) {
	t.Helper()
	ctx := ctxFor(t, 20*time.Second)
	conn := testenv.Dial(t, greeter.ServiceName, "tri://"+greeterAddr)
	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("sx")); err != nil || r.Message != "Hello, sx" {
		t.Fatalf("streamx call: %v, %v", r, err)
	}
	cli, err := client.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := cli.DialWithInfo(optinStockName, &client.ClientInfo{InterfaceName: optinStockName, MethodNames: []string{"sayHello"}},
		client.WithURL("tri://"+stockAddr))
	if err != nil {
		t.Fatal(err)
	}
	reply := new(pb.GreeterReply)
	if err := sc.CallUnary(ctx, []any{greeter.Req("st")}, reply, "sayHello"); err != nil || reply.Message != "stock, st" {
		t.Fatalf("stock call: %v, %v", reply, err)
	}
}

const optinProvider = `
dubbo:
  logger:
    level: warn
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${A}
    stock:
      name: tri
      ip: 127.0.0.1
      port: ${B}
      params:
        streamx: ${STOCK_PORT}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        protocol-ids: tri
        params:
          streamx: ${GREETER}
      stockgreeter:
        interface: org.example.optin.StockGreeter
        protocol-ids: ${STOCK_PROTOCOL}
        params:
          streamx: ${STOCK}
`

// One process serves a streamx service and a stock-Triple service from
// dubbogo.yml; plain HTTP/1 Triple tells which stack answered each, and
// flipping the keys moves the stock service.
func TestOptinFromYAML(t *testing.T) {
	for _, c := range []struct {
		name               string
		greeter, stock     string // the services' streamx:
		stockPort          string // the "stock" protocol's streamx:
		stockProtocol      string // the stock greeter's protocol
		wantStockOn        string // "A" or "B"
		wantServerA, wantB string // whose server listens on A, B ("" none)
		wantErr            string // an export or load error
	}{
		// Both services on one port: streamx's listener, each service
		// served by its own stack.
		{name: "one_port", greeter: "true", stock: "false", stockPort: "false", stockProtocol: "tri",
			wantStockOn: "A", wantServerA: "streamx"},
		// The stock greeter's protocol says stock: stock Triple's own
		// server serves it on its own port.
		{name: "stock_protocol", greeter: "true", stock: "false", stockPort: "false", stockProtocol: "stock",
			wantStockOn: "B", wantServerA: "streamx", wantB: "stock"},
		// The same protocol flipped to streamx: streamx's server now, stock
		// Triple's handlers still answering its generated-style service.
		{name: "flipped_to_streamx", greeter: "true", stock: "true", stockPort: "true", stockProtocol: "stock",
			wantStockOn: "B", wantServerA: "streamx", wantB: "streamx"},
		{name: "streamx_service_to_stock", greeter: "false", stock: "false", stockPort: "false", stockProtocol: "tri",
			wantErr: "params.streamx of service org.apache.dubbo.samples.data.Greeter is false (stock Triple), but org.apache.dubbo.samples.data.Greeter declares its method"},
		{name: "streamx_service_on_stock_port", greeter: "true", stock: "true", stockPort: "false", stockProtocol: "stock",
			wantErr: "params.streamx of service org.example.optin.StockGreeter is true, but dubbo.protocols.stock.params.streamx is false"},
		{name: "bad_service_value", greeter: "yes please", stock: "false", stockPort: "false", stockProtocol: "tri",
			wantErr: `dubbo.provider.services.greeter.params.streamx: "yes please" is neither true (streamx) nor false (stock Triple)`},
		{name: "bad_protocol_value", greeter: "true", stock: "false", stockPort: "maybe", stockProtocol: "tri",
			wantErr: `dubbo.protocols.stock.params.streamx: "maybe" is neither true (streamx) nor false (stock Triple)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
				return
			}
			a, b := testenv.FreePort(t), testenv.FreePort(t)
			addr := map[string]string{"A": testenv.Addr(a), "B": testenv.Addr(b)}
			err := optinServe(t, optinProvider, map[string]string{
				"A": fmt.Sprint(a), "B": fmt.Sprint(b), "GREETER": c.greeter, "STOCK": c.stock,
				"STOCK_PORT": c.stockPort, "STOCK_PROTOCOL": c.stockProtocol,
			})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			optinCallBoth(t, addr["A"], addr[c.wantStockOn])
			if got := optinPlainHTTP(t, addr["A"], greeter.ServiceName); got != "refused 415" {
				t.Errorf("plain HTTP to the streamx Greeter: %s, want refused 415", got)
			}
			if got := optinPlainHTTP(t, addr[c.wantStockOn], optinStockName); got != "stock, http1" {
				t.Errorf("plain HTTP to the stock greeter: %s, want stock, http1", got)
			}
			if got := optinServer(t, addr["A"]); got != c.wantServerA {
				t.Errorf("server on A: %s, want %s", got, c.wantServerA)
			}
			if c.wantB != "" {
				if got := optinServer(t, addr["B"]); got != c.wantB {
					t.Errorf("server on B: %s, want %s", got, c.wantB)
				}
			}
		})
	}
}

// optinRef names an entry under dubbo.consumer.references, as generated
// clients do.
type optinRef string

func (r optinRef) Reference() string { return string(r) }

// A reference picks its stack by itself: with streamx: false it calls
// through stock Triple's invoker, which refuses calls declared with streamx
// (it cannot carry them) and makes the calls generated Triple code makes.
func TestOptinReference(t *testing.T) {
	if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
		return
	}
	a := testenv.FreePort(t)
	cfg, err := config.Load(discYAML(t, `
dubbo:
  logger:
    level: warn
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${A}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
      stockgreeter:
        interface: org.example.optin.StockGreeter
  consumer:
    references:
      greeter-streamx:
        interface: org.apache.dubbo.samples.data.Greeter
        url: tri://127.0.0.1:${A}
        params:
          streamx: true
      greeter-stock:
        interface: org.apache.dubbo.samples.data.Greeter
        url: tri://127.0.0.1:${A}
        params:
          streamx: false
      stockgreeter-stock:
        interface: org.example.optin.StockGreeter
        url: tri://127.0.0.1:${A}
        params:
          streamx: false
`, map[string]string{"A": fmt.Sprint(a)}))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cfg.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, testgreeter.NewService()); err != nil {
		t.Fatal(err)
	}
	if err := dubboext.RegisterService(srv, OptinStockGreeter{}, optinStockInfo(), server.WithInterface(optinStockName)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{greeter.ServiceName, optinStockName} {
		unexport, err := dubboext.ExportAlone(srv, name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(unexport)
	}
	cli, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 20*time.Second)

	sx, err := cfg.Dial(cli, "greeter-streamx")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := greeter.SayHello.Call(ctx, sx, greeter.Req("sx")); err != nil || r.Message != "Hello, sx" {
		t.Fatalf("streamx reference: %v, %v", r, err)
	}

	st, err := cfg.Dial(cli, "greeter-stock")
	if err != nil {
		t.Fatal(err)
	}
	_, err = greeter.SayHello.Call(ctx, st, greeter.Req("st"))
	if streamx.CodeOf(err) != streamx.CodeFailedPrecondition ||
		!strings.Contains(err.Error(), "sets streamx: false (stock Triple), which cannot make calls declared with streamx") {
		t.Fatalf("streamx call on a stock reference: %v", err)
	}

	// As generated Triple code dials: with its ClientInfo.
	sc, err := cli.DialWithDefinition(optinStockName, &client.ClientDefinition{
		Svc:  optinRef("stockgreeter-stock"),
		Info: &client.ClientInfo{InterfaceName: optinStockName, MethodNames: []string{"sayHello"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reply := new(pb.GreeterReply)
	if err := sc.CallUnary(ctx, []any{greeter.Req("st")}, reply, "sayHello"); err != nil || reply.Message != "stock, st" {
		t.Fatalf("stock reference: %v, %v", reply, err)
	}
}

// A reference's bad streamx: value fails the load, naming it.
func TestOptinReferenceBadValue(t *testing.T) {
	_, err := config.LoadBytes("dubbogo.yml", []byte(`
dubbo:
  consumer:
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        params:
          streamx: yes please
`))
	want := `dubbo.consumer.references.greeter.params.streamx: "yes please" is neither true (streamx) nor false (stock Triple)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
}
