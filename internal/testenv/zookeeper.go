package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ZookeeperJar is the Debian libzookeeper-java server jar; its manifest
// brings the other jars it needs. scripts/install-zookeeper.sh installs it.
const ZookeeperJar = "/usr/share/java/zookeeper.jar"

const slf4jSimpleJar = "/usr/share/java/slf4j-simple.jar"

// Zookeeper is a standalone Zookeeper 3.8 server on 127.0.0.1, owned by one
// test. Stop and Restart keep the port and the data directory, so a test can
// make the registry go away and come back. Its methods are meant for the
// test goroutine; they are not safe for concurrent use.
type Zookeeper struct {
	// Addr is "127.0.0.1:PORT", the client address.
	Addr string
	// Proc is the running server process; Restart replaces it.
	Proc *Proc

	t   testing.TB
	dir string // holds zoo.cfg and data/
}

// StartZookeeper starts a Zookeeper server on a free port with a fresh data
// directory and waits until it answers "ruok" with "imok" and serves
// ("srvr" reports "Mode: standalone"). A server that
// cannot start fails the test with its output. It is stopped when the test
// ends.
func StartZookeeper(t testing.TB) *Zookeeper {
	t.Helper()
	if _, err := os.Stat(ZookeeperJar); err != nil {
		t.Fatalf("testenv: %s missing (run scripts/install-zookeeper.sh): %v", ZookeeperJar, err)
	}
	dir := t.TempDir()
	port := FreePort(t)
	cfg := fmt.Sprintf(`tickTime=2000
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
`, filepath.Join(dir, "data"), port)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatalf("testenv: write zoo.cfg: %v", err)
	}
	z := &Zookeeper{Addr: Addr(port), t: t, dir: dir}
	z.start()
	return z
}

func (z *Zookeeper) start() {
	z.t.Helper()
	z.Proc = Start(z.t, "zookeeper "+z.Addr, z.dir, nil,
		"java", "-Xmx256m",
		"-cp", ZookeeperJar+":"+slf4jSimpleJar,
		"org.apache.zookeeper.server.ZooKeeperServerMain", "zoo.cfg")
	// ruok answers imok as soon as the listener is up, a moment before the
	// server accepts sessions; srvr reports the mode only once it serves.
	z.Proc.WaitFor(z.t, 30*time.Second, "answer ruok and srvr on "+z.Addr, func() bool {
		return FourLetterWord(z.Addr, "ruok") == "imok" &&
			strings.Contains(FourLetterWord(z.Addr, "srvr"), "Mode: standalone")
	})
}

// Stop ends the server and waits until it has exited. Sessions are not
// closed first, so to clients it looks like a lost server.
func (z *Zookeeper) Stop() { z.Proc.Stop() }

// Restart starts the server again on the same port and data directory (so
// persistent nodes survive) and waits until it is ready. The old process
// is stopped first if it is still running.
func (z *Zookeeper) Restart() {
	z.t.Helper()
	z.Proc.Stop()
	z.start()
}

// FourLetterWord sends a Zookeeper four-letter command (ruok, srvr, stat) to
// addr and returns the trimmed answer, or "" when the server cannot be
// reached.
func FourLetterWord(addr, cmd string) string {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return ""
	}
	var b strings.Builder
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}
