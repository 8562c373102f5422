package integrate_test

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// The Go counterparts of dubbo-python's own samples (tag 3.0.0b1) against
// a Python peer serving or calling the same contract (sample_server.py,
// sample_client.py), both ways, on apache-dubbo 3.0.0b1. Each Go program
// runs with -v, so dubbo-go logs at info level: its stdout must still be
// exactly what the dubbo-python sample prints. Each Python server gets one
// client connection only (dubbo-python 3.0.0b1's multi-connection bug).
// The pairings share nothing but the machine, so they run in parallel
// (as many at a time as go test's -parallel, the number of cores).

type pySampleCase struct {
	sample       string // folder under samples/ and --sample of the scripts
	serverPrints string // what the sample's server prints for the client's calls
	clientPrints string // what the sample's client prints
}

// The texts are what dubbo-python's own server.py and client.py print.
var pySampleCases = []pySampleCase{
	{"helloworld",
		"Received message from client: b'Hello from client'\n",
		"b'Hello from server'\n"},
	{"serialization/json",
		"Received request: dubbo-python, 18\n",
		"Hello, dubbo-python, you are 18 years old.\n"},
	{"serialization/protobuf",
		"Received request: name: \"Dubbo-python\"\n\n",
		"Received reply: Hello, Dubbo-python\n"},
	{"stream/client_stream",
		"Received request: hello\nReceived request: world\nReceived request: from\nReceived request: dubbo-python\n",
		"message: \"hello world from dubbo-python \"\n\n"},
	{"stream/server_stream",
		"Received request: hello world from dubbo-python\n",
		"Received response: hello\nReceived response: world\nReceived response: from\nReceived response: dubbo-python\n"},
	{"stream/bidi_stream",
		"Received request: jock\nReceived request: jane\nReceived request: alice\nReceived request: dave\n",
		// The server's pause outlasts the 0.5 s read timeout at least once.
		"Received response: Hello, jock!\n" + noMessage +
			"Received response: Hello, jane!\nReceived response: Hello, alice!\nReceived response: Hello, dave!\n"},
}

// noMessage stands for one or more "No message received" lines: how many
// timed reads time out depends on the machine's speed.
const noMessage = "<No message received, at least once>\n"

// checkPrinted fails unless got is want, where want's noMessage matches one
// or more "No message received" lines.
func checkPrinted(t *testing.T, who, got, want string) {
	t.Helper()
	if strings.Contains(want, noMessage) {
		const line = "No message received\n"
		if !strings.Contains(got, line) {
			t.Errorf("%s printed no %q: a timed read never timed out\n%s", who, line, got)
		}
		for strings.Contains(got, line+line) {
			got = strings.ReplaceAll(got, line+line, line)
		}
		got = strings.Replace(got, line, noMessage, 1)
	}
	if got != want {
		t.Errorf("%s printed:\n%q\nwant:\n%q", who, got, want)
	}
}

const pressEnter = "Press Enter to stop the server...\n"

func TestPySampleGoClientPythonServer(t *testing.T) {
	py := testenv.PythonEnv(t)
	for _, c := range pySampleCases {
		t.Run(c.sample, func(t *testing.T) {
			t.Parallel()
			cli := sampleBuild(t, c.sample+"/go-client")
			srv, port := py.StartServerScript(t, "sample_server.py", "--sample", c.sample)
			p := testenv.Start(t, c.sample+" go-client", "", nil, cli, "-v", "-url", "tri://"+testenv.Addr(port))
			p.WaitFor(t, time.Minute, "finish", p.Exited)
			if err := p.ExitErr(); err != nil {
				t.Fatalf("go-client: %v; output:\n%s", err, p.Output())
			}
			checkPrinted(t, "go-client", p.Stdout(), c.clientPrints)
			srv.WaitOutput(t, c.serverPrints, 10*time.Second)
		})
	}
}

func TestPySamplePythonClientGoServer(t *testing.T) {
	py := testenv.PythonEnv(t)
	for _, c := range pySampleCases {
		t.Run(c.sample, func(t *testing.T) {
			t.Parallel()
			bin := sampleBuild(t, c.sample+"/go-server")
			port := testenv.FreePort(t)
			srv, stdin := testenv.StartWithStdin(t, c.sample+" go-server", "", nil, bin, "-v", "-host", "127.0.0.1", "-port", strconv.Itoa(port))
			srv.WaitTCP(t, testenv.Addr(port), 30*time.Second)
			out := py.RunClientScript(t, "sample_client.py", "--sample", c.sample, "--url", "tri://"+testenv.Addr(port))
			if len(out) != 1 || out[0]["error"] != nil {
				t.Fatalf("sample_client.py: %v", out)
			}
			checkPrinted(t, "sample_client.py", fmt.Sprint(out[0]["printed"]), c.clientPrints)
			stopOnEnter(t, srv, stdin, pressEnter+c.serverPrints)
		})
	}
}

// stopOnEnter presses Enter on a sample server, as a user of dubbo-python's
// samples does, and checks that it stops cleanly having printed exactly
// want on stdout.
func stopOnEnter(t *testing.T, srv *testenv.Proc, stdin io.Writer, want string) {
	t.Helper()
	srv.WaitOutput(t, want, 10*time.Second)
	if _, err := stdin.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(t, 30*time.Second, "stop after Enter", srv.Exited)
	if err := srv.ExitErr(); err != nil {
		t.Errorf("go-server after Enter: %v; output:\n%s", err, srv.Output())
	}
	if got := srv.Stdout(); got != want {
		t.Errorf("go-server printed on stdout:\n%q\nwant:\n%q", got, want)
	}
}

// TestPySampleZookeeper pairs samples/registry/zookeeper with the Python
// provider and consumer of dubbo-python's registry/zookeeper contract, both
// ways, through a real Zookeeper.
func TestPySampleZookeeper(t *testing.T) {
	py := testenv.PythonEnv(t)
	zkSrv := testenv.StartZookeeper(t)
	zc := zkConn(t, zkSrv.Addr)
	env := []string{"ZK_ADDR=" + zkSrv.Addr, "LOG_LEVEL=info"}
	dir := filepath.Join(testenv.RepoRoot(), "samples", "registry", "zookeeper")
	const served = "Received request: dubbo-python\n"
	const printed = "Hello, dubbo-python!\n"

	t.Run("go-client python-server", func(t *testing.T) {
		cli := sampleBuild(t, "registry/zookeeper/go-client")
		srv, port := py.StartServerScript(t, "sample_server.py", "--sample", "registry/zookeeper", "--zookeeper", zkSrv.Addr)
		testenv.Eventually(t, 10*time.Second, "the Python provider's node", func() bool { return zkHasPort(zc, port) })
		p := testenv.Start(t, "zookeeper go-client", filepath.Join(dir, "go-client"), env, cli)
		p.WaitFor(t, time.Minute, "finish", p.Exited)
		if err := p.ExitErr(); err != nil {
			t.Fatalf("go-client: %v; output:\n%s", err, p.Output())
		}
		checkPrinted(t, "go-client", p.Stdout(), printed)
		srv.WaitOutput(t, served, 10*time.Second)
		srv.Stop() // closes its session: its node goes before the next provider registers
		testenv.Eventually(t, 10*time.Second, "the Python provider's node to go", func() bool { return !zkHasPort(zc, port) })
	})

	t.Run("python-client go-server", func(t *testing.T) {
		bin := sampleBuild(t, "registry/zookeeper/go-server")
		port := testenv.FreePort(t)
		srv, stdin := testenv.StartWithStdin(t, "zookeeper go-server", filepath.Join(dir, "go-server"),
			append(env, fmt.Sprintf("STREAMX_PORT=%d", port)), bin)
		srv.WaitTCP(t, testenv.Addr(port), 30*time.Second)
		testenv.Eventually(t, 10*time.Second, "the Go provider's node", func() bool { return zkHasPort(zc, port) })
		out := py.RunClientScript(t, "sample_client.py", "--sample", "registry/zookeeper", "--zookeeper", zkSrv.Addr)
		if len(out) != 1 || out[0]["error"] != nil {
			t.Fatalf("sample_client.py: %v", out)
		}
		checkPrinted(t, "sample_client.py", fmt.Sprint(out[0]["printed"]), printed)
		stopOnEnter(t, srv, stdin, pressEnter+served)
		// A graceful stop unregisters at once.
		if zkHasPort(zc, port) {
			t.Errorf("the Go provider's node is still listed after it stopped")
		}
	})
}
