package integrate_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// nacosYAML serves as provider and consumer file; REGTYPE is "interface"
// (interface-level) or "service" (application-level service discovery).
const nacosYAML = `
dubbo:
  application:
    name: ${APP}
    # The metadata service (application level) on tri, served by streamx;
    # on dubbo-go's default "dubbo" protocol its getty client has data
    # races (dubbo-getty session close vs. read) that -race reports.
    metadata-service-protocol: tri
  logger:
    level: warn
  registries:
    nacos:
      protocol: nacos
      address: ${NACOS}
      registry-type: ${REGTYPE}
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
  consumer:
    check: false
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        protocol: tri
        serialization: protobuf
        provided-by: disc-nacos-provider
`

func nacosVars(addr, regType, app string, port int) map[string]string {
	return map[string]string{"NACOS": addr, "REGTYPE": regType, "APP": app, "PORT": fmt.Sprint(port)}
}

func testNacos(t *testing.T, regType string) {
	n := testenv.StartNacos(t)
	port := testenv.FreePort(t)
	discStartProvider(t, nacosYAML, nacosVars(n.Addr, regType, "disc-nacos-provider", port), port)
	if regType == "service" {
		// dubbo-go maps the interface to its application once, when the
		// reference is made: wait until the provider has published the
		// mapping and its instance, as a consumer started later would see.
		waitNacos(t, n.Addr, "/nacos/v1/cs/configs?dataId=org.apache.dubbo.samples.data.Greeter&group=mapping", "disc-nacos-provider")
		waitNacos(t, n.Addr, "/nacos/v1/ns/instance/list?serviceName=disc-nacos-provider", fmt.Sprint(port))
	}
	conn := discConsumer(t, nacosYAML, nacosVars(n.Addr, regType, "disc-nacos-consumer", testenv.FreePort(t)))
	ctx := discCtx(t, 90*time.Second)
	if err := greeter.WaitReady(ctx, conn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	discAllKinds(t, ctx, conn)
	if who, err := discWho(ctx, conn); err != nil || who != fmt.Sprint(port) {
		t.Fatalf("whoAmI = %q, %v; want %d", who, err, port)
	}
}

// TestDiscoveryNacosInterface: Go provider and consumer from YAML,
// interface-level registration in rnacos.
func TestDiscoveryNacosInterface(t *testing.T) {
	t.Parallel()           // after the other tests: make test may still be building rnacos
	testenv.AwaitRnacos(t) // here: the child's own timeout is shorter than a first build
	if discIsolate(t) {
		return
	}
	testNacos(t, "interface")
}

// TestDiscoveryNacosApplication: the same with dubbo-go's application-level
// service discovery (registry-type: service).
func TestDiscoveryNacosApplication(t *testing.T) {
	t.Parallel()           // after the other tests: make test may still be building rnacos
	testenv.AwaitRnacos(t) // here: the child's own timeout is shorter than a first build
	if discIsolate(t) {
		return
	}
	testNacos(t, "service")
}

// waitNacos polls an rnacos OpenAPI path until its answer contains want.
func waitNacos(t *testing.T, addr, path, want string) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, fmt.Sprintf("rnacos %s to mention %q", path, want), func() bool {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && strings.Contains(string(body), want)
	})
}
