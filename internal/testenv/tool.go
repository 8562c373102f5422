package testenv

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Tool returns the path of the command name (on PATH or in $GOPATH/bin,
// where scripts/deps.sh installs the Go ones). Without it the test skips,
// or fails when CI is set: make test installs every tool first, so a
// missing one there is a broken install, not a choice.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	if p := ToolPath(name); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found on PATH or in $GOPATH/bin; run %s", name, install)
	}
	t.Skipf("%s not found on PATH or in $GOPATH/bin; run %s (make deps)", name, install)
	return ""
}

// ToolPath is Tool's lookup: "" when name is not installed.
func ToolPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}
