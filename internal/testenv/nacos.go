package testenv

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NacosGRPCOffset is how far the gRPC port lies above the HTTP port; Nacos
// 2.x clients (nacos-sdk-go included) derive it that way.
const NacosGRPCOffset = 1000

// Nacos is an rnacos server (a Nacos 2.x compatible registry) on 127.0.0.1,
// owned by one test. Stop and Restart keep the ports and the data directory.
// Its methods are meant for the test goroutine; they are not safe for
// concurrent use.
type Nacos struct {
	// Addr is "127.0.0.1:PORT", the HTTP (OpenAPI) address that clients are
	// configured with. gRPC listens on PORT+NacosGRPCOffset.
	Addr string
	// GRPCAddr is "127.0.0.1:PORT+1000".
	GRPCAddr string
	// Proc is the running server process; Restart replaces it.
	Proc *Proc

	t    testing.TB
	bin  string
	dir  string
	port int
}

// RnacosPath returns the rnacos binary: from PATH, else ~/.cargo/bin (or
// $CARGO_HOME/bin). It returns "" when neither has it.
func RnacosPath() string {
	if p, err := exec.LookPath("rnacos"); err == nil {
		return p
	}
	home := os.Getenv("CARGO_HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		home = filepath.Join(h, ".cargo")
	}
	p := filepath.Join(home, "bin", "rnacos")
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p
	}
	return ""
}

// StartNacos starts rnacos on a free HTTP port whose gRPC port (+1000) is
// free too, with a fresh data directory, and waits until GET /health answers
// 200. A server that cannot start fails the test with its output. It is
// stopped when the test ends. While make test's background build of rnacos
// runs, it first waits for that build (see AwaitRnacos).
func StartNacos(t testing.TB) *Nacos {
	t.Helper()
	bin := AwaitRnacos(t)
	port := freePortPair(t, NacosGRPCOffset)
	n := &Nacos{
		Addr:     Addr(port),
		GRPCAddr: Addr(port + NacosGRPCOffset),
		t:        t,
		bin:      bin,
		dir:      t.TempDir(),
		port:     port,
	}
	n.start()
	return n
}

func (n *Nacos) start() {
	n.t.Helper()
	env := []string{
		"RNACOS_HTTP_PORT=" + strconv.Itoa(n.port),
		"RNACOS_SDK_HOST=127.0.0.1",
		"RNACOS_HTTP_CONSOLE_PORT=0",
		"RNACOS_DATA_DIR=" + filepath.Join(n.dir, "data"),
	}
	n.Proc = Start(n.t, "rnacos "+n.Addr, n.dir, env, n.bin)
	client := &http.Client{Timeout: time.Second}
	url := "http://" + n.Addr + "/health"
	n.Proc.WaitFor(n.t, 30*time.Second, "answer 200 on "+url, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	// Clients connect over gRPC right away; /health alone does not say the
	// gRPC listener is up.
	n.Proc.WaitTCP(n.t, n.GRPCAddr, 10*time.Second)
}

// Stop ends the server and waits until it has exited.
func (n *Nacos) Stop() { n.Proc.Stop() }

// Restart starts the server again on the same ports and data directory and
// waits until it is ready. The old process is stopped first if needed.
func (n *Nacos) Restart() {
	n.t.Helper()
	n.Proc.Stop()
	n.start()
}

// freePortPair returns a port p on 127.0.0.1 such that p and p+offset were
// both free a moment ago.
func freePortPair(t testing.TB, offset int) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		p := FreePort(t)
		if p+offset > 65535 {
			continue
		}
		l, err := net.Listen("tcp", Addr(p+offset))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	t.Fatalf("testenv: no free port pair (p, p+%d) after 50 tries", offset)
	return 0
}

// rnacosInstallDir holds the state of scripts/install-rnacos.sh
// --background: pid, log, and rc once the build has ended.
func rnacosInstallDir() string { return filepath.Join(BuildDir(), "rnacos-install") }

// AwaitRnacos returns the rnacos binary. While a background build started
// by make test is running, it blocks until the build ends or the test's
// deadline is a minute away (then 30 minutes at most), logging once why it
// waits. A failed build, or no rnacos at all, fails the test naming what
// to run and where the build's log is. StartNacos calls it; a test that
// starts rnacos in a child process with a shorter timeout calls it first.
func AwaitRnacos(t testing.TB) string {
	t.Helper()
	dir := rnacosInstallDir()
	logf := filepath.Join(dir, "log")
	if rnacosBuilding(dir) {
		deadline := time.Now().Add(30 * time.Minute)
		if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
			if td, ok := d.Deadline(); ok && td.Add(-time.Minute).Before(deadline) {
				deadline = td.Add(-time.Minute)
			}
		}
		t.Logf("testenv: waiting for the background build of rnacos (log %s)", logf)
		start := time.Now()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for rnacosBuilding(dir) {
			if time.Now().After(deadline) {
				t.Fatalf("testenv: the background build of rnacos is still running after %s (log %s)", time.Since(start).Round(time.Second), logf)
			}
			<-tick.C
		}
		t.Logf("testenv: rnacos built after waiting %s", time.Since(start).Round(time.Second))
	}
	if bin := RnacosPath(); bin != "" {
		return bin
	}
	if rc, err := os.ReadFile(filepath.Join(dir, "rc")); err == nil && strings.TrimSpace(string(rc)) != "0" {
		t.Fatalf("testenv: the background build of rnacos failed (exit status %s):\n%s", strings.TrimSpace(string(rc)), tail(logf, 40))
	}
	t.Fatalf("testenv: rnacos not found on PATH or in ~/.cargo/bin (run scripts/install-rnacos.sh)")
	return ""
}

// rnacosBuilding reports whether a background build has started and not
// ended: a pid file, no rc file, and that process alive and still the
// build's (its command line names install-rnacos, where /proc says). A
// build killed before writing rc counts as ended (and then as failed
// unless rnacos is there).
func rnacosBuilding(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "rc")); err == nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return err != nil || strings.Contains(string(cmdline), "install-rnacos")
}

// tail returns the last n lines of the file at path, or why it cannot.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
