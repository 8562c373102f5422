package integrate_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// The Go counterparts of dubbo-python's own samples (tag 3.0.0b1) against
// a Python peer serving or calling the same contract (sample_server.py,
// sample_client.py), both ways. Each Python server gets one client
// connection only (dubbo-python 3.0.0b1's multi-connection bug).

// pySampleBuild builds samples/<dir> into a temp folder.
func pySampleBuild(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), strings.ReplaceAll(dir, "/", "-"))
	cmd := exec.Command("go", "build", "-o", out, "./samples/"+dir)
	cmd.Dir = testenv.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, b)
	}
	return out
}

type pySampleCase struct {
	sample       string // folder under samples/ and --sample of the scripts
	serverPrints string // the line the sample's server prints per call
	clientPrints string // the line the sample's client prints
}

var pySampleCases = []pySampleCase{
	{"helloworld", "Received message from client: b'Hello from client'", "b'Hello from server'"},
	{"serialization/json", "Received request: dubbo-python, 18", "Hello, dubbo-python, you are 18 years old."},
}

func TestPySampleGoClientPythonServer(t *testing.T) {
	py := testenv.PythonEnv(t)
	for _, c := range pySampleCases {
		t.Run(c.sample, func(t *testing.T) {
			cli := pySampleBuild(t, c.sample+"/go-client")
			srv, port := py.StartServerScript(t, "sample_server.py", "--sample", c.sample)
			p := testenv.Start(t, c.sample+" go-client", "", nil, cli, "-url", "tri://"+testenv.Addr(port))
			p.WaitFor(t, time.Minute, "finish", p.Exited)
			if got := p.Stdout(); got != c.clientPrints+"\n" {
				t.Errorf("go-client printed %q, want %q; output:\n%s", got, c.clientPrints+"\n", p.Output())
			}
			srv.WaitOutput(t, c.serverPrints+"\n", 10*time.Second)
		})
	}
}

func TestPySamplePythonClientGoServer(t *testing.T) {
	py := testenv.PythonEnv(t)
	for _, c := range pySampleCases {
		t.Run(c.sample, func(t *testing.T) {
			bin := pySampleBuild(t, c.sample+"/go-server")
			port := testenv.FreePort(t)
			srv := testenv.Start(t, c.sample+" go-server", "", nil, bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port))
			srv.WaitTCP(t, testenv.Addr(port), 30*time.Second)
			out := py.RunClientScript(t, "sample_client.py", "--sample", c.sample, "--url", "tri://"+testenv.Addr(port))
			if len(out) != 1 || out[0]["printed"] != c.clientPrints {
				t.Fatalf("sample_client.py printed %v, want printed=%q", out, c.clientPrints)
			}
			srv.WaitOutput(t, c.serverPrints+"\n", 10*time.Second)
		})
	}
}
