package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/bench/internal/harness"
)

// Run is one client run of one case, with the server's CPU time during the
// client's measurement window.
type Run struct {
	harness.Result
	Rep              int     `json:"rep"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
}

// runClient runs one case in a fresh client process of bin against srv,
// sampling the server's CPU time when the client opens and closes its
// window. A client that outlives timeout is killed.
func runClient(bin string, srv *server, name string, p plan, rep int) Run {
	run := Run{Result: harness.Result{Framework: srv.fw, Case: name}, Rep: rep}
	if !srv.alive() {
		run.Error = errServerGone.Error()
		return run
	}
	cmd := exec.Command(bin, "client", "-port", fmt.Sprint(srv.port), "-case", name,
		"-duration", p.duration.String(), "-streams", fmt.Sprint(p.streams))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		run.Error = err.Error()
		return run
	}
	if err := cmd.Start(); err != nil {
		run.Error = err.Error()
		return run
	}
	track(cmd)
	defer untrack(cmd)
	timer := time.AfterFunc(p.clientTimeout, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()

	var cpu0, cpu1 time.Duration
	var got, other []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == harness.StartMarker:
			cpu0, _ = procCPU(srv.pid())
		case strings.HasPrefix(line, harness.ResultMarker):
			cpu1, _ = procCPU(srv.pid())
			got = append(got, strings.TrimPrefix(line, harness.ResultMarker))
		default:
			other = append(other, line)
		}
	}
	waitErr := cmd.Wait()
	if len(got) == 1 {
		if err := json.Unmarshal([]byte(got[0]), &run.Result); err != nil {
			run.Error = "bad result line: " + err.Error()
		}
		// benchrun's name for the program, not the program's own: an
		// earlier build copied to bench-before runs as "before".
		run.Framework = srv.fw
	}
	if run.Error == "" && len(got) != 1 {
		run.Error = fmt.Sprintf("client printed %d results (exit: %v); stderr: %s; stdout: %s",
			len(got), waitErr, tail(stderr.String()), tail(strings.Join(other, "\n")))
	}
	if cpu1 > cpu0 {
		run.ServerCPUSeconds = (cpu1 - cpu0).Seconds()
	}
	if i := strings.Index(stderr.String(), raceReport); i >= 0 {
		run.Error = "the client reported a data race: " + tail(stderr.String()[i:min(stderr.Len(), i+3000)])
	}
	if !srv.alive() && run.Error == "" {
		run.Error = errServerGone.Error()
	}
	return run
}

// tail keeps the end of a long output for an error message.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}
