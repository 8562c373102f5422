package integrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// TestConfigBadValueFailsAtStartup: a provider whose dubbogo.yml has a bad
// streamx value or an unknown filter exits at startup with an error naming
// the key and the value (no panic, no half-started server).
func TestConfigBadValueFailsAtStartup(t *testing.T) {
	bin := sampleBuild(t, "registry/zookeeper/go-server")
	for _, c := range []struct{ name, yaml, key, value string }{
		{"size", `
dubbo:
  custom:
    config-map:
      streamx:
        max-server-recv-msg-size: 12 parsecs
`, "dubbo.custom.config-map.streamx.max-server-recv-msg-size", `"12 parsecs"`},
		{"filter", `
dubbo:
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        filter: echo,nosuch
`, "dubbo.provider.services.greeter.filter", `"nosuch"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "dubbogo.yml"), []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			p := testenv.Start(t, "go-server", dir, nil, bin)
			p.WaitFor(t, 30*time.Second, "exit", p.Exited)
			out := p.Output()
			if strings.Contains(out, "panic") || !strings.Contains(out, c.key) || !strings.Contains(out, c.value) {
				t.Fatalf("output does not name %s = %s (or panicked):\n%s", c.key, c.value, out)
			}
		})
	}
}
