package greeter_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// TestProviderListensOnlyOnHost starts a provider the way ServerMain does,
// on 127.0.0.1, and checks that no listening socket of this process is
// bound to all interfaces (dubbo-go's metadata service used to be, on a
// random port).
func TestProviderListensOnlyOnHost(t *testing.T) {
	if _, err := os.Stat("/proc/self/net/tcp"); err != nil {
		t.Skip("no /proc/self/net/tcp:", err)
	}
	if !serveOnce(t) {
		return
	}
	port := testenv.FreePort(t)
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, greeter.NewService()); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }() // runs until the test process exits
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", testenv.Addr(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("provider not accepting on %s: %v", testenv.Addr(port), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mine := socketInodes(t)
	var listening []string
	for _, f := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		for _, l := range listenSockets(t, f) {
			if !mine[l.inode] {
				continue
			}
			listening = append(listening, l.local)
			if l.anyAddr {
				t.Errorf("a listening socket of the provider is bound to all interfaces: %s (%s)", l.local, f)
			}
		}
	}
	if len(listening) == 0 {
		t.Fatal("found no listening socket of this process; the check reads the wrong table")
	}
	t.Logf("listening: %v", listening)
}

type listenSocket struct {
	local   string
	inode   string
	anyAddr bool
}

// listenSockets parses a /proc/net/tcp{,6} table for LISTEN (0A) sockets.
func listenSockets(t *testing.T, path string) []listenSocket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []listenSocket
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 || fs[3] != "0A" {
			continue
		}
		addr, _, _ := strings.Cut(fs[1], ":")
		out = append(out, listenSocket{
			local:   fs[1],
			inode:   fs[9],
			anyAddr: strings.Trim(addr, "0") == "",
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// socketInodes returns the inodes of this process's sockets.
func socketInodes(t *testing.T) map[string]bool {
	t.Helper()
	fds, err := filepath.Glob("/proc/self/fd/*")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(fd)
		if err != nil {
			continue
		}
		var ino string
		if _, err := fmt.Sscanf(l, "socket:[%s", &ino); err == nil {
			m[strings.TrimSuffix(ino, "]")] = true
		}
	}
	return m
}

// served is set by the first test that serves a provider: dubbo-go v3.3.2
// serves one server per process (a second Serve fails on its global
// state), so a later such test runs itself again in a process of its own
// and passes or fails with it. serveOnce returns false in the parent,
// which has nothing more to do.
var served bool

const childEnv = "STREAMX_GREETER_TEST_CHILD"

func serveOnce(t *testing.T) bool {
	t.Helper()
	if !served {
		served = true
		return true
	}
	if os.Getenv(childEnv) != "" {
		t.Fatal("a provider was served in this child process already")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in a process of its own: %v\n%s", t.Name(), err, out)
	}
	return false
}
