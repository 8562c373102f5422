package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestGeneratedFilesUpToDate runs the module's genproto go:generate lines
// (samples/proto, proto/streamx, testdata/protos.binpb, the grpc-go
// interop package) in check mode: it fails naming every checked-in file
// that go generate would change.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both plugins and runs protoc; not in -short")
	}
	run := func(t *testing.T, pattern string) {
		cmd := exec.Command("go", "generate", "-run", pattern, "./...")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "STREAMX_GENPROTO_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go generate -run %q ./... in check mode: %v\n%s", pattern, err, out)
		}
	}
	t.Run("registry", func(t *testing.T) { run(t, "internal/cmd/genproto registry ") })
	t.Run("protoc", func(t *testing.T) {
		if _, err := exec.LookPath("protoc"); err != nil {
			if os.Getenv("STREAMX_REQUIRE_PROTOC") == "1" {
				t.Fatal("protoc is not on PATH and STREAMX_REQUIRE_PROTOC=1 (scripts/install-protoc.sh installs it)")
			}
			t.Skip("protoc is not on PATH (scripts/install-protoc.sh installs it); STREAMX_REQUIRE_PROTOC=1 makes this a failure")
		}
		run(t, "internal/cmd/genproto protoc ")
	})
}
