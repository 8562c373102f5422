package greeter_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dubbogo/go-zookeeper/zk"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// TestZookeeperNodeMethodsOnce registers the Greeter provider in a real
// Zookeeper, as samples/registry/zookeeper/go-server does, and checks that
// its node carries one methods parameter, the RPC method names in order
// (dubbo-go also appended the Go method names of the handler type), and
// no streamx parameter although the service sets one.
func TestZookeeperNodeMethodsOnce(t *testing.T) {
	if !serveOnce(t) {
		return
	}
	z := testenv.StartZookeeper(t)
	port := testenv.FreePort(t)
	yml := fmt.Sprintf(`
dubbo:
  application:
    name: streamx-methods-test
  logger:
    level: warn
  registries:
    zk:
      protocol: zookeeper
      address: %s
      registry-type: interface
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: %d
  provider:
    services:
      greeter:
        interface: %s
        params:
          streamx: true
`, z.Addr, port, greeter.ServiceName)
	path := filepath.Join(t.TempDir(), "dubbogo.yml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cfg.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	svc := greeter.NewService()
	if err := streamx.Register(srv, svc); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }() // runs until the test process exits

	conn, _, err := zk.Connect([]string{z.Addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dir := "/dubbo/" + greeter.ServiceName + "/providers"
	var children []string
	testenv.Eventually(t, 30*time.Second, "provider node in "+dir, func() bool {
		children, _, err = conn.Children(dir)
		return err == nil && len(children) == 1
	})
	raw, err := url.QueryUnescape(children[0])
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ := strings.Cut(raw, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range svc.Info().Methods {
		want = append(want, m.Name)
	}
	if got := q["methods"]; len(got) != 1 || got[0] != strings.Join(want, ",") {
		t.Errorf("node methods = %q, want one value %q\nnode: %s", got, strings.Join(want, ","), raw)
	}
	// The stack a service picks is its own business: the node is an
	// ordinary tri URL.
	if got, ok := q["streamx"]; ok {
		t.Errorf("node carries streamx=%q\nnode: %s", got, raw)
	}
}
