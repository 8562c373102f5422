package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recTB records Logf and Fatalf; Fatalf ends the calling goroutine, as
// testing.T's does.
type recTB struct {
	testing.TB
	onLog func(string)

	mu    sync.Mutex
	fatal string
}

func (r *recTB) Helper() {}

func (r *recTB) Logf(format string, args ...any) {
	if r.onLog != nil {
		r.onLog(fmt.Sprintf(format, args...))
	}
}

func (r *recTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// runRnacosBinary calls AwaitRnacos on r in a goroutine of its own and
// returns what it returned and what it failed with.
func runRnacosBinary(r *recTB) (bin, fatal string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		bin = AwaitRnacos(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return bin, r.fatal
}

// noRnacos points BuildDir, PATH and CARGO_HOME at empty folders, so that
// only what the test puts there is found; it returns the state folder of
// the background build and the cargo bin folder.
func noRnacos(t *testing.T) (state, cargoBin string) {
	root := t.TempDir()
	t.Setenv("STREAMX_BUILD_DIR", filepath.Join(root, "build"))
	t.Setenv("PATH", filepath.Join(root, "path"))
	t.Setenv("CARGO_HOME", filepath.Join(root, "cargo"))
	state, cargoBin = rnacosInstallDir(), filepath.Join(root, "cargo", "bin")
	for _, d := range []string{state, cargoBin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return state, cargoBin
}

// A running background build is waited for: AwaitRnacos returns only
// after the build has put rnacos in place and written rc.
func TestRnacosBinaryWaitsForBackgroundBuild(t *testing.T) {
	state, cargoBin := noRnacos(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	// The stand-in build waits for a line on stdin, then "installs" and
	// ends as install-rnacos.sh's background process does.
	build := exec.Command(bash, "-c", `read -r _; printf '#!/bin/sh\n' >"$2/rnacos"; chmod +x "$2/rnacos"; echo 0 >"$1/rc"`,
		"install-rnacos", state, cargoBin)
	stdin, err := build.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := build.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { build.Process.Kill(); build.Wait() })
	if err := os.WriteFile(filepath.Join(state, "pid"), []byte(strconv.Itoa(build.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	var released bool
	r := &recTB{TB: t, onLog: func(msg string) {
		if strings.Contains(msg, "waiting for the background build") && !released {
			released = true
			stdin.Write([]byte("go\n"))
		}
	}}
	bin, fatal := runRnacosBinary(r)
	if fatal != "" {
		t.Fatalf("AwaitRnacos failed: %s", fatal)
	}
	if !released {
		t.Fatal("AwaitRnacos returned without waiting for the running build")
	}
	if want := filepath.Join(cargoBin, "rnacos"); bin != want {
		t.Fatalf("AwaitRnacos = %q, want %q", bin, want)
	}
}

// A failed build fails the test with its exit status and its log's end.
func TestRnacosBinaryFailedBuild(t *testing.T) {
	state, _ := noRnacos(t)
	os.WriteFile(filepath.Join(state, "rc"), []byte("101\n"), 0o644)
	os.WriteFile(filepath.Join(state, "log"), []byte("Compiling x\nerror: could not compile `time`\n"), 0o644)
	bin, fatal := runRnacosBinary(&recTB{TB: t})
	if bin != "" || !strings.Contains(fatal, "failed (exit status 101)") || !strings.Contains(fatal, "could not compile `time`") {
		t.Fatalf("AwaitRnacos = %q, failure %q; want the exit status and the log's end", bin, fatal)
	}
}

// A build that died without writing rc (its pid no longer a live
// install-rnacos), or no build and no rnacos, is "not found" at once.
func TestRnacosBinaryNoBuild(t *testing.T) {
	state, _ := noRnacos(t)
	for _, pid := range []string{"", strconv.Itoa(os.Getpid()), "0", "x"} {
		if pid != "" {
			os.WriteFile(filepath.Join(state, "pid"), []byte(pid), 0o644)
		}
		bin, fatal := runRnacosBinary(&recTB{TB: t, onLog: func(msg string) { t.Errorf("pid %q: logged %q", pid, msg) }})
		if bin != "" || !strings.Contains(fatal, "rnacos not found") {
			t.Errorf("pid %q: AwaitRnacos = %q, failure %q; want not found", pid, bin, fatal)
		}
	}
}
