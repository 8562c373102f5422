// Package testenv starts the real peers the tests need (Zookeeper, a
// Nacos-compatible server, dubbo-python processes) on 127.0.0.1 and stops
// them when the test ends. Nothing here is for users.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a child process whose output is kept for failure messages.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr, as printed
	std  *syncBuffer // stdout alone
	done chan struct{}
	err  error
}

// Output returns everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Stdout returns what the process printed on stdout so far.
func (p *Proc) Stdout() string { return p.std.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitErr returns how the process ended (nil for exit status 0), once
// Exited reports true.
func (p *Proc) ExitErr() error {
	<-p.done
	return p.err
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Start runs name with args in dir (may be empty) and env added to the
// current environment. The process is killed, with its process group, when
// the test ends; its output is logged if the test failed.
func Start(t testing.TB, label string, dir string, env []string, name string, args ...string) *Proc {
	t.Helper()
	p, _ := start(t, false, label, dir, env, name, args...)
	return p
}

// StartWithStdin is Start with the process's stdin a pipe, returned for
// the test to write to; closing it is the end of the input.
func StartWithStdin(t testing.TB, label string, dir string, env []string, name string, args ...string) (*Proc, io.WriteCloser) {
	t.Helper()
	return start(t, true, label, dir, env, name, args...)
}

func start(t testing.TB, pipe bool, label string, dir string, env []string, name string, args ...string) (*Proc, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, std := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout = io.MultiWriter(out, std)
	cmd.Stderr = out
	// Pdeathsig: a test binary killed by its timeout takes its servers with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stdin io.WriteCloser
	if pipe {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatalf("testenv: stdin of %s: %v", label, err)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start %s (%s): %v", label, name, err)
	}
	p := &Proc{Name: label, cmd: cmd, out: out, std: std, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- output of %s ---\n%s", label, p.Output())
		}
	})
	return p, stdin
}

// Stop ends the process (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (p *Proc) Stop() {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Kill ends the process at once with SIGKILL, as a crash would.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// WaitTCP waits until addr accepts a TCP connection, the process exits, or
// the timeout passes; the last two fail the test with the process output.
func (p *Proc) WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	p.WaitFor(t, timeout, "accept on "+addr, func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// WaitOutput waits until the process has printed s on stdout (alone, so
// that stderr cannot split s).
func (p *Proc) WaitOutput(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	p.WaitFor(t, timeout, fmt.Sprintf("print %q", s), func() bool {
		return bytes.Contains(p.std.Bytes(), []byte(s))
	})
}

// WaitFor polls ready until it is true; it fails the test with the process
// output if the process exits first or the timeout passes.
func (p *Proc) WaitFor(t testing.TB, timeout time.Duration, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ready() {
			return
		}
		if p.Exited() {
			t.Fatalf("testenv: %s exited (%v) before it would %s; output:\n%s", p.Name, p.err, what, p.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: %s did not %s within %v; output:\n%s", p.Name, what, timeout, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Eventually polls cond until it is true or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("testenv: timed out after %v waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}

// RepoRoot returns the module's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// BuildDir returns the ignored folder for tools and caches (build/ at the
// repository root, or $STREAMX_BUILD_DIR).
func BuildDir() string {
	if d := os.Getenv("STREAMX_BUILD_DIR"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(), "build")
}

// Addr joins 127.0.0.1 and port.
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }
