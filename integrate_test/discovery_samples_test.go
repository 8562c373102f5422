package integrate_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

const sampleWant = `unary: Hello, world
client stream: a b c
server stream: go 0
server stream: go 1
server stream: go 2
bidi stream: Hello, x
bidi stream: Hello, y
`

// runSamples runs samples/<dir>'s go-server and go-client from their own
// folders (their dubbogo.yml), addresses from env, and checks that the
// client printed exactly want on stdout (dubbo-go, at info level, logs on
// stderr).
func runSamples(t *testing.T, dir string, env []string, want string) {
	srvBin, cliBin := sampleBuild(t, dir+"/go-server"), sampleBuild(t, dir+"/go-client")
	port := testenv.FreePort(t)
	env = append(env, "LOG_LEVEL=info")
	root := filepath.Join(testenv.RepoRoot(), "samples", dir)
	srv := testenv.Start(t, dir+" go-server", filepath.Join(root, "go-server"),
		append(env, fmt.Sprintf("STREAMX_PORT=%d", port)), srvBin)
	srv.WaitTCP(t, testenv.Addr(port), 30*time.Second)
	cli := testenv.Start(t, dir+" go-client", filepath.Join(root, "go-client"), env, cliBin)
	cli.WaitFor(t, 60*time.Second, "finish", cli.Exited)
	if err := cli.ExitErr(); err != nil {
		t.Fatalf("go-client: %v; output:\n%s", err, cli.Output())
	}
	if got := cli.Stdout(); got != want {
		t.Fatalf("go-client printed:\n%q\nwant:\n%q", got, want)
	}
}

// TestDiscoverySamplesZookeeper runs samples/registry/zookeeper, Go to Go.
func TestDiscoverySamplesZookeeper(t *testing.T) {
	zkSrv := testenv.StartZookeeper(t)
	runSamples(t, "registry/zookeeper", []string{"ZK_ADDR=" + zkSrv.Addr}, "Hello, dubbo-python!\n")
}

// TestDiscoverySamplesNacos runs samples/go-only/nacos at interface level;
// application level is timing-dependent (the consumer looks up the
// interface-to-application mapping once, at refer time) and not yet reliable.
func TestDiscoverySamplesNacos(t *testing.T) {
	t.Parallel() // after the other tests: make test may still be building rnacos
	n := testenv.StartNacos(t)
	for _, rt := range []string{"interface"} { // "service": see TestDiscoveryNacosApplication
		t.Run(rt, func(t *testing.T) {
			runSamples(t, "go-only/nacos", []string{"NACOS_ADDR=" + n.Addr, "REGISTRY_TYPE=" + rt}, sampleWant)
		})
	}
}
