package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// programs are the benchmark's commands in this module, built into one
// directory; peers are the ones in modules of their own (bench/peers/NAME
// builds bench-NAME), so that they run their stack's newest release.
var (
	programs = []string{"bench-streamx", "bench-triple", "benchrun"}
	peers    = []string{"grpc", "connect"}
)

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
	// One go build for all of them shares the work on their common packages.
	build := exec.CommandContext(ctx, goCmd, slices.Concat([]string{"build"}, buildFlags, []string{"-o", dir + string(filepath.Separator)}, pkgs)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, p := range peers {
		build := exec.CommandContext(ctx, goCmd, slices.Concat([]string{"build", "-C", "peers/" + p}, buildFlags, []string{"-o", filepath.Join(dir, "bench-"+p), "."})...)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build peers/%s: %v\n%s", p, err, out)
		}
	}

	// Stock Triple and grpc-go must be measured without streamx linked in
	// (importing it replaces the tri protocol).
	lists := [][]string{{"list", "-deps", "./cmd/bench-triple"}}
	for _, p := range peers {
		lists = append(lists, []string{"list", "-C", "peers/" + p, "-deps", "."})
	}
	for _, args := range lists {
		p := strings.Join(args, " ")
		out, err := exec.CommandContext(ctx, goCmd, args...).Output()
		if err != nil {
			t.Fatalf("go %s: %v", p, err)
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
	checkPeerVersions(t, filepath.Join(dir, "smoke.json"))
}

// checkPeerVersions checks that each peer ran the version its own go.mod
// requires, not the one the main module pins.
func checkPeerVersions(t *testing.T, report string) {
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Versions map[string]string `json:"versions"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", report, err)
	}
	stack := map[string]string{"grpc": "google.golang.org/grpc", "connect": "connectrpc.com/connect"}
	for _, p := range peers {
		mod, err := os.ReadFile(filepath.Join("peers", p, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(stack[p]) + ` (v\S+)`).FindSubmatch(mod)
		if m == nil {
			t.Fatalf("peers/%s/go.mod does not require %s", p, stack[p])
		}
		if want := stack[p] + "@" + string(m[1]); !strings.Contains(r.Versions[p], want) {
			t.Errorf("bench-%s ran %q, want %s", p, r.Versions[p], want)
		}
	}
}
