package testenv

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Ports are handed out below the kernel's ephemeral range, so that no
// listener on :0 and no outgoing connection can take one, and each is
// claimed with an exclusive lock on a file shared by every test process on
// the machine (make test runs two test binaries at once): a port picked by
// one test cannot be picked by another until the first test ends. Checking
// that the port is free and then closing the probe left a window in which
// another process's ":0" listener could take it.
const (
	portLow  = 20000
	portHigh = 32000 // below Linux's default ephemeral range, 32768-60999
)

// FreePort returns a TCP port on 127.0.0.1 that is free now and that no
// other FreePort caller, in this process or another, gets until t ends. The
// caller binds it itself (dubbo-go and the peers' processes take a port
// number, not a listener).
func FreePort(t testing.TB) int {
	t.Helper()
	port, release, err := claimPort()
	if err != nil {
		t.Fatalf("testenv: pick a free port: %v", err)
	}
	t.Cleanup(release)
	return port
}

func claimPort() (int, func(), error) {
	dir := filepath.Join(os.TempDir(), "streamx-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, nil, err
	}
	var last error
	for range 500 {
		port := portLow + rand.IntN(portHigh-portLow)
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return 0, nil, err
		}
		// The lock goes with the descriptor: closing f releases it, and so
		// does the process's exit, however it ends.
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			last = err
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			f.Close() // used by something outside the tests
			last = err
			continue
		}
		l.Close()
		return port, func() { f.Close() }, nil
	}
	return 0, nil, errors.Join(fmt.Errorf("no free port in %d-%d after 500 tries", portLow, portHigh), last)
}
