package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadBytesNoFile: the bytes are the configuration; no file need exist
// at path, which only names the format and appears in errors.
func TestLoadBytesNoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent", "dubbogo.yml")
	c, err := LoadBytes(path, []byte(good))
	if err != nil {
		t.Fatalf("LoadBytes(%s) = %v, want the bytes loaded", path, err)
	}
	if c.Path != path || c.Streamx.CompressMinBytes != 1024 {
		t.Fatalf("Path %q, CompressMinBytes %d; want %q, 1024", c.Path, c.Streamx.CompressMinBytes, path)
	}
}

// TestLoadBytesNotTheFile: when a file exists at path, the bytes given
// still win over its content.
func TestLoadBytesNotTheFile(t *testing.T) {
	path := write(t, "dubbogo.yml", strings.Replace(good, "compress-min-bytes: 1024", "compress-min-bytes: 7", 1))
	c, err := LoadBytes(path, []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Streamx.CompressMinBytes; got != 1024 {
		t.Fatalf("CompressMinBytes = %d, want 1024 (from the bytes, not the file)", got)
	}
}

// TestLoadBytesErrors: a bad suffix, empty bytes and malformed bytes are
// errors naming path.
func TestLoadBytesErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path, data, want string
	}{
		{"suffix", filepath.Join(dir, "dubbogo.toml"), good, "unsupported file suffix"},
		{"empty", filepath.Join(dir, "dubbogo.yml"), "", "empty"},
		{"malformed", filepath.Join(dir, "dubbogo.yml"), "dubbo: [", "dubbogo.yml"},
		{"json", filepath.Join(dir, "dubbogo.json"), "{", "dubbogo.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes(tc.path, []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadBytes = %v, want an error naming %s and %q", err, tc.path, tc.want)
			}
		})
	}
}

// TestLoadProfile: an active profile's file beside path is merged over the
// bytes, as dubbo-go's loader does.
func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	base := strings.Replace(good, "  application:", "  profiles:\n    active: dev\n  application:", 1)
	profile := "dubbo:\n  custom:\n    config-map:\n      streamx:\n        compress-min-bytes: 9\n"
	if err := os.WriteFile(filepath.Join(dir, "dubbogo-dev.yml"), []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadBytes(filepath.Join(dir, "dubbogo.yml"), []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Streamx.CompressMinBytes; got != 9 {
		t.Fatalf("CompressMinBytes = %d, want 9 from the dev profile", got)
	}
	if got := c.Streamx.MaxServerRecvMsgSize; got != 8<<20 {
		t.Fatalf("MaxServerRecvMsgSize = %d, want 8MiB from the base", got)
	}
}

// TestLoadProfileMalformed: a broken profile file is an error naming it.
func TestLoadProfileMalformed(t *testing.T) {
	dir := t.TempDir()
	base := strings.Replace(good, "  application:", "  profiles:\n    active: dev\n  application:", 1)
	pp := filepath.Join(dir, "dubbogo-dev.yml")
	if err := os.WriteFile(pp, []byte("dubbo: ["), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadBytes(filepath.Join(dir, "dubbogo.yml"), []byte(base))
	if err == nil || !strings.Contains(err.Error(), "profile "+pp) {
		t.Fatalf("LoadBytes = %v, want an error naming the profile %s", err, pp)
	}
}
