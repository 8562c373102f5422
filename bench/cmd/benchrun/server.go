package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one framework's server process.
type server struct {
	fw   string
	port int
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
}

// procs tracks every process benchrun started, so that all of them are
// stopped (by pid) however benchrun ends.
var procs = struct {
	sync.Mutex
	m map[int]*exec.Cmd
}{m: map[int]*exec.Cmd{}}

func track(c *exec.Cmd)   { procs.Lock(); procs.m[c.Process.Pid] = c; procs.Unlock() }
func untrack(c *exec.Cmd) { procs.Lock(); delete(procs.m, c.Process.Pid); procs.Unlock() }

// killAll kills every process still tracked.
func killAll() {
	procs.Lock()
	defer procs.Unlock()
	for pid, c := range procs.m {
		_ = c.Process.Kill()
		delete(procs.m, pid)
	}
}

// startServer starts bin as a server on a free port, its output in a log
// file under logDir, and waits until the port accepts connections.
func startServer(fw, bin, logDir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("%s-server-%d.log", fw, port))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "server", "-port", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	track(cmd)
	s := &server{fw: fw, port: port, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			untrack(cmd)
			return nil, fmt.Errorf("%s server exited at start; see %s", fw, logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s server did not listen on port %d within 60 s; see %s", fw, port, logPath)
		}
	}
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the server to stop (SIGTERM) and kills it after 3 s.
func (s *server) stop() {
	defer untrack(s.cmd)
	if !s.alive() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

var errServerGone = errors.New("the server process exited")

// raceReport is how the race detector starts a report (in programs built
// with -race, as the smoke test does).
const raceReport = "WARNING: DATA RACE"

// races returns the race reports in the server's log so far, if any.
func (s *server) races() string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return ""
	}
	if i := strings.Index(string(b), raceReport); i >= 0 {
		return tail(string(b[i:min(len(b), i+3000)]))
	}
	return ""
}
