package integrate_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// discBuild builds the sample in samples/registry/<dir> into a temp folder.
func discBuild(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir))
	cmd := exec.Command("go", "build", "-o", out, "./samples/registry/"+dir)
	cmd.Dir = testenv.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, b)
	}
	return out
}

const sampleWant = `unary: Hello, world
client stream: a b c
server stream: go 0
server stream: go 1
server stream: go 2
bidi stream: Hello, x
bidi stream: Hello, y`

// runSamples runs the registry's go-server and go-client from their own
// folders (their dubbogo.yml), addresses from env, and checks the client's
// output.
func runSamples(t *testing.T, registry string, env []string) {
	srvBin, cliBin := discBuild(t, registry+"/go-server"), discBuild(t, registry+"/go-client")
	port := testenv.FreePort(t)
	root := filepath.Join(testenv.RepoRoot(), "samples", "registry", registry)
	srv := testenv.Start(t, registry+" go-server", filepath.Join(root, "go-server"),
		append(env, fmt.Sprintf("STREAMX_PORT=%d", port)), srvBin)
	srv.WaitTCP(t, testenv.Addr(port), 30*time.Second)
	cli := testenv.Start(t, registry+" go-client", filepath.Join(root, "go-client"), env, cliBin)
	cli.WaitFor(t, 60*time.Second, "finish", cli.Exited)
	if got := strings.TrimSpace(cli.Output()); !strings.HasSuffix(got, sampleWant) {
		t.Fatalf("go-client printed:\n%s\nwant it to end with:\n%s", got, sampleWant)
	}
}

// TestDiscoverySamplesZookeeper runs samples/registry/zookeeper.
func TestDiscoverySamplesZookeeper(t *testing.T) {
	zkSrv := testenv.StartZookeeper(t)
	runSamples(t, "zookeeper", []string{"ZK_ADDR=" + zkSrv.Addr})
}

// TestDiscoverySamplesNacos runs samples/registry/nacos at interface level;
// application level is timing-dependent (the consumer looks up the
// interface-to-application mapping once, at refer time) and not yet reliable.
func TestDiscoverySamplesNacos(t *testing.T) {
	n := testenv.StartNacos(t)
	for _, rt := range []string{"interface"} { // "service": see TestDiscoveryNacosApplication
		t.Run(rt, func(t *testing.T) {
			runSamples(t, "nacos", []string{"NACOS_ADDR=" + n.Addr, "REGISTRY_TYPE=" + rt})
		})
	}
}
