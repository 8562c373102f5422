package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Java is the Apache Dubbo for Java peer built by
// scripts/install-java-peer.sh (integrate_test/java).
type Java struct {
	Jar string // streamx-java-peer.jar
	Lib string // its dependencies
}

// JavaEnv returns the Java peer under BuildDir(). When it is missing the
// test is skipped, or fails when STREAMX_REQUIRE_JAVA is set (make test
// sets it after building the peer).
func JavaEnv(t testing.TB) *Java {
	t.Helper()
	dir := filepath.Join(BuildDir(), "java")
	j := &Java{Jar: filepath.Join(dir, "streamx-java-peer.jar"), Lib: filepath.Join(dir, "lib")}
	for _, f := range []string{j.Jar, j.Lib} {
		if _, err := os.Stat(f); err != nil {
			msg := fmt.Sprintf("testenv: the Java peer is not built (%v): run scripts/install-java-peer.sh or `make deps` (STREAMX_BUILD_DIR=%s)", err, BuildDir())
			if os.Getenv("STREAMX_REQUIRE_JAVA") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	for _, tool := range []string{"java", "unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("testenv: the Java peer needs %s on PATH: %v", tool, err)
		}
	}
	return j
}

// start runs the peer with args in a network namespace of its own whose
// only interface is its loopback: Dubbo binds 0.0.0.0 whatever 127.x host
// it is given, and there nothing but loopback exists. Unix sockets in a
// folder of the test's are its only way in and out (see Relay.java):
// zookeeper, when not empty, is relayed to the same port inside.
func (j *Java) start(t testing.TB, label, zookeeper string, args ...string) *Proc {
	t.Helper()
	if zookeeper != "" {
		_, zkPort, err := net.SplitHostPort(zookeeper)
		if err != nil {
			t.Fatalf("testenv: Zookeeper address %q: %v", zookeeper, err)
		}
		sock := filepath.Join(socketDir(t), "zk.sock")
		relay(t, func() (net.Listener, error) { return net.Listen("unix", sock) },
			func() (net.Conn, error) { return net.Dial("tcp", zookeeper) })
		args = append(args, "--zookeeper", zookeeper, "--relay-out", zkPort+"="+sock)
	}
	// Registered addresses are the namespace's only address, 127.0.0.1,
	// and the port inside, which the relays make the same on the host.
	java := fmt.Sprintf("exec java -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp %s:%s/* org.apache.dubbo.samples.peer.Main %s",
		j.Jar, j.Lib, strings.Join(args, " "))
	return Start(t, label, "", nil, "unshare", "-rn", "sh", "-c", "ip link set lo up && "+java)
}

// socketDir returns a new folder for Unix sockets, removed when the test
// ends; short, as socket paths are limited to 108 bytes.
func socketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "jx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// StartProvider starts the Java provider, registered in zookeeper when
// it is not empty, and returns it with its address on 127.0.0.1 (a relay
// of this process, on the port the provider has inside and registers).
// It fails the test unless the provider runs in another network namespace
// than this process.
func (j *Java) StartProvider(t testing.TB, zookeeper string) (*Proc, string) {
	t.Helper()
	port := FreePort(t)
	ln, err := net.Listen("tcp", Addr(port))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(socketDir(t), "in.sock")
	p := j.start(t, "java provider", zookeeper, "provider", "--port", strconv.Itoa(port), "--relay-in", fmt.Sprintf("%s=%d", sock, port))
	p.WaitOutput(t, fmt.Sprintf("READY %d\n", port), time.Minute)
	ownNS, err1 := os.Readlink("/proc/self/ns/net")
	javaNS, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", p.Pid()))
	if err1 != nil || err2 != nil || ownNS == javaNS {
		t.Fatalf("testenv: the Java provider is not in a network namespace of its own (%s, %s; %v, %v)", ownNS, javaNS, err1, err2)
	}
	return p, relay(t, func() (net.Listener, error) { return ln, nil },
		func() (net.Conn, error) { return net.Dial("unix", sock) })
}

// RunConsumer runs the Java consumer's cases and returns its result
// lines in order. It calls the provider at addr (127.0.0.1) directly, or
// through zookeeper when that is not empty (the provider there must be
// the one at addr). A timeout or a non-zero exit fails the test.
func (j *Java) RunConsumer(t testing.TB, addr, zookeeper string, cases ...string) []map[string]any {
	t.Helper()
	return j.runConsumer(t, addr, zookeeper, nil, cases)
}

// RunAppConsumer is RunConsumer with application-level discovery only, of
// the provider application app, through zookeeper; the provider's
// metadata service must be on addr's port too.
func (j *Java) RunAppConsumer(t testing.TB, addr, zookeeper, app string, cases ...string) []map[string]any {
	t.Helper()
	return j.runConsumer(t, addr, zookeeper, []string{"--provided-by", app}, cases)
}

func (j *Java) runConsumer(t testing.TB, addr, zookeeper string, extra, cases []string) []map[string]any {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("testenv: provider address %q: %v", addr, err)
	}
	sock := filepath.Join(socketDir(t), "out.sock")
	relay(t, func() (net.Listener, error) { return net.Listen("unix", sock) },
		func() (net.Conn, error) { return net.Dial("tcp", addr) })
	args := append([]string{"consumer", "--port", port, "--relay-out", port + "=" + sock, "--cases", strings.Join(cases, ",")}, extra...)
	p := j.start(t, "java consumer "+strings.Join(cases, ","), zookeeper, args...)
	p.WaitFor(t, ClientTimeout, "finish", p.Exited)
	if p.err != nil {
		t.Fatalf("testenv: %s failed: %v; output:\n%s", p.Name, p.err, p.Output())
	}
	out := JSONLines(t, p, "case")
	if len(out) != len(cases) {
		t.Fatalf("testenv: %s printed %d results for %d cases; output:\n%s", p.Name, len(out), len(cases), p.Output())
	}
	return out
}

// JSONLines returns the JSON lines p printed on stdout so far that have
// the field key (any JSON line for ""), in order; other lines (logs) are
// skipped.
func JSONLines(t testing.TB, p *Proc, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.Stdout()))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("testenv: %s printed a bad JSON line %q: %v", p.Name, line, err)
		}
		if _, ok := m[key]; ok || key == "" {
			out = append(out, m)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("testenv: read output of %s: %v", p.Name, err)
	}
	return out
}

// relay listens with listen and copies each connection both ways to one
// made by dial, until the test ends; it returns the listener's address.
func relay(t testing.TB, listen func() (net.Listener, error), dial func() (net.Conn, error)) string {
	t.Helper()
	ln, err := listen()
	if err != nil {
		t.Fatalf("testenv: relay: %v", err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			track(in)
			out, err := dial()
			if err != nil {
				_ = in.Close()
				continue
			}
			track(out)
			wg.Add(2)
			go func() { defer wg.Done(); pipe(out, in) }()
			go func() { defer wg.Done(); pipe(in, out) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// pipe copies from src to dst, then half-closes dst as TCP would.
func pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := dst.(closeWriter); ok && err == nil {
		_ = cw.CloseWrite()
		return
	}
	_ = dst.Close()
	_ = src.Close()
}
