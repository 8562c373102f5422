package integrate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// zkConsumerYAML is a consumer configured by dubbogo.yml alone.
const zkConsumerYAML = `
dubbo:
  application:
    name: disc-consumer
  logger:
    level: warn
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK}
      registry-type: interface
      timeout: 5s
  consumer:
    check: false
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        protocol: tri
        serialization: protobuf
`

// zkProviderYAML is a provider configured by dubbogo.yml alone, at
// interface level so dubbo-python consumers find it.
const zkProviderYAML = `
dubbo:
  application:
    name: disc-provider
  logger:
    level: warn
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK}
      registry-type: interface
      timeout: 5s
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${PORT}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
`

func zkVars(zkAddr string, port int) map[string]string {
	return map[string]string{"ZK": zkAddr, "PORT": fmt.Sprint(port)}
}

// TestDiscoveryZKGoConsumerPythonProvider: a Go consumer configured by
// YAML alone finds a dubbo-python provider in Zookeeper, streams in all four
// kinds, and stops seeing it once it exits.
func TestDiscoveryZKGoConsumerPythonProvider(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	py := testenv.PythonEnv(t)
	proc, port := py.StartServer(t, "--zookeeper", zkSrv.Addr)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Python provider's node", func() bool { return zkHasPort(zc, port) })

	// One Go connection for this Python server (dubbo-python 3.0.0b1 hangs
	// the first connection's calls once a second one arrives).
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 60*time.Second)
	if err := greeter.WaitReady(ctx, conn, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	discAllKinds(t, ctx, conn)

	proc.Stop() // SIGTERM: the script closes its Zookeeper session
	testenv.Eventually(t, 10*time.Second, "the Python provider's node to go", func() bool { return !zkHasPort(zc, port) })
	testenv.Eventually(t, 10*time.Second, "calls to fail without a provider", func() bool {
		_, err := greeter.SayHello.Call(ctx, conn, greeter.Req("gone?"))
		return err != nil
	})
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req("gone?"))
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "no provider") {
		t.Fatalf("after the provider left: %v, want a \"no provider\" error", err)
	}
}

// TestDiscoveryZKPythonConsumerGoProvider: dubbo-python finds a Go
// provider registered (from YAML) at interface level and calls it in all
// four kinds.
func TestDiscoveryZKPythonConsumerGoProvider(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	py := testenv.PythonEnv(t)
	port := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Go provider's node", func() bool { return zkHasPort(zc, port) })

	res := py.RunClient(t, "--zookeeper", zkSrv.Addr,
		"--case", "unary", "--case", "client_stream_iter", "--case", "client_stream_write",
		"--case", "server_stream", "--case", "bidi")
	want := map[string][]string{
		"unary":               {"Hello, world"},
		"client_stream_iter":  {"a b c"},
		"client_stream_write": {"a b c"},
		"server_stream":       {"py 0", "py 1", "py 2"},
		"bidi":                {"Hello, x", "Hello, y"},
	}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d: %v", len(res), len(want), res)
	}
	for _, r := range res {
		name, _ := r["case"].(string)
		if r["error"] != nil {
			t.Errorf("%s: %v", name, r["error"])
			continue
		}
		var got []string
		for _, m := range r["messages"].([]any) {
			got = append(got, fmt.Sprint(m))
		}
		if strings.Join(got, "|") != strings.Join(want[name], "|") {
			t.Errorf("%s: got %q, want %q", name, got, want[name])
		}
	}
}

// TestDiscoveryZKGoToGo: Go consumer and provider, both from YAML, through
// Zookeeper.
func TestDiscoveryZKGoToGo(t *testing.T) {
	if discIsolate(t) {
		return
	}
	_, port, _, conn, ctx := zkGoPair(t, 60*time.Second)
	discAllKinds(t, ctx, conn)
	if who, err := discWho(ctx, conn); err != nil || who != fmt.Sprint(port) {
		t.Fatalf("whoAmI = %q, %v", who, err)
	}
}
