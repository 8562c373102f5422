package integrate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// testedSamples are the sample programs (folders under samples/) that the
// tests run. They are built once per test binary, all of them the first
// time a test asks for one, two go builds at a time (one per core).
var testedSamples = []string{
	"helloworld/go-client", "helloworld/go-server",
	"serialization/json/go-client", "serialization/json/go-server",
	"serialization/protobuf/go-client", "serialization/protobuf/go-server",
	"stream/client_stream/go-client", "stream/client_stream/go-server",
	"stream/server_stream/go-client", "stream/server_stream/go-server",
	"stream/bidi_stream/go-client", "stream/bidi_stream/go-server",
	"registry/zookeeper/go-client", "registry/zookeeper/go-server",
	"go-only/nacos/go-client", "go-only/nacos/go-server",
}

// sampleBuildFlags are go build's flags for them (see race_test.go).
var sampleBuildFlags []string

var sampleBins struct {
	once sync.Once
	dir  string           // removed by TestMain
	errs map[string]error // per sample; nil when built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleBins.dir != "" {
		os.RemoveAll(sampleBins.dir)
	}
	os.Exit(code)
}

// sampleBuild returns the binary of samples/<dir>, which must be listed in
// testedSamples. A sample that does not build fails the test with go
// build's output.
func sampleBuild(t *testing.T, dir string) string {
	t.Helper()
	if !slices.Contains(testedSamples, dir) {
		t.Fatalf("sampleBuild(%q): not in testedSamples", dir)
	}
	sampleBins.once.Do(buildSamples)
	if err := sampleBins.errs[dir]; err != nil {
		t.Fatal(err)
	}
	return sampleBinPath(dir)
}

func sampleBinPath(dir string) string {
	return filepath.Join(sampleBins.dir, strings.ReplaceAll(dir, "/", "-"))
}

// buildSamples builds every tested sample into a new temporary folder.
// The binaries are stripped (-s -w): the tests read their output, not
// their symbols, and a link without DWARF does less work.
func buildSamples() {
	sampleBins.errs = make(map[string]error, len(testedSamples))
	dir, err := os.MkdirTemp("", "streamx-samples-")
	if err != nil {
		for _, s := range testedSamples {
			sampleBins.errs[s] = fmt.Errorf("sample binaries: %w", err)
		}
		return
	}
	sampleBins.dir = dir
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, s := range testedSamples {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			args := slices.Concat([]string{"build"}, sampleBuildFlags, []string{"-ldflags=-s -w", "-o", sampleBinPath(s), "./samples/" + s})
			cmd := exec.Command("go", args...)
			cmd.Dir = testenv.RepoRoot()
			if out, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				sampleBins.errs[s] = fmt.Errorf("go build ./samples/%s: %v\n%s", s, err, out)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
