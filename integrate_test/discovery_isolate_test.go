package integrate_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

const discChildEnv = "STREAMX_DISCOVERY_CHILD"

// discIsolate runs the calling test in a child process (this test binary
// with -test.run=^Name$) and reports whether the caller is the parent,
// which must return at once; the child's failure, with its output, fails
// the parent.
//
// Why: each dubbo.NewInstance (so each config.Load, and dubbo.Load) swaps
// gost's process-wide logger without synchronisation while dubbo-go's
// goroutines of earlier loads log, which -race reports. A program loads
// its configuration once, at startup; so does each child: one Go peer
// from YAML in-process, the others in processes of their own.
func discIsolate(t *testing.T) bool {
	t.Helper()
	if os.Getenv(discChildEnv) == t.Name() {
		return false
	}
	p := testenv.Start(t, "child "+t.Name(), "", []string{discChildEnv + "=" + t.Name()},
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=5m")
	p.WaitFor(t, 5*time.Minute, "finish", p.Exited)
	out := p.Output()
	if !strings.Contains(out, "--- PASS: "+t.Name()) || strings.Contains(out, "--- FAIL") {
		t.Fatalf("child run of %s failed:\n%s", t.Name(), discTrim(out))
	}
	return true
}

// discTrim drops dubbo-go's and the Zookeeper client's log lines so the
// test's own messages stand out; the whole output is kept when short.
func discTrim(out string) string {
	if len(out) < 20000 {
		return out
	}
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "INFO") || strings.Contains(l, "DEBUG") || strings.HasPrefix(l, "20") && strings.Contains(l, "Connected to") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
