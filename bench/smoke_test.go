package bench_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// programs are the benchmark's commands, built into one directory.
var programs = []string{"bench-streamx", "bench-triple", "bench-grpc", "benchrun"}

// buildFlags are go build's flags for them (see race_test.go).
var buildFlags []string

// TestSmoke builds the benchmark and runs every case once, briefly, on
// every framework (benchrun -smoke), so that `make test` keeps the
// benchmark working. It is skipped under -short.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four programs and runs about 30 client processes")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()

	pkgs := make([]string, len(programs))
	for i, p := range programs {
		pkgs[i] = "./cmd/" + p
	}
	// One go build for all four shares the work on their common packages.
	build := exec.CommandContext(ctx, goCmd, slices.Concat([]string{"build"}, buildFlags, []string{"-o", dir + string(filepath.Separator)}, pkgs)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Stock Triple and grpc-go must be measured without streamx linked in
	// (importing it replaces the tri protocol).
	for _, p := range []string{"./cmd/bench-triple", "./cmd/bench-grpc"} {
		out, err := exec.CommandContext(ctx, goCmd, "list", "-deps", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/dubbo-go-streamx/streamx/protocol/") ||
				strings.HasPrefix(dep, "github.com/dubbo-go-streamx/streamx/internal/") {
				t.Errorf("%s links %s", p, dep)
			}
		}
	}

	// benchrun stops its servers and clients itself; the context's kill is
	// the last resort if benchrun itself hangs.
	run := exec.CommandContext(ctx, filepath.Join(dir, "benchrun"), "-smoke",
		"-bin", dir, "-json", filepath.Join(dir, "smoke.json"))
	out, err := run.CombinedOutput()
	t.Logf("benchrun -smoke:\n%s", out)
	if err != nil {
		t.Fatalf("benchrun -smoke: %v", err)
	}
}
