package integrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// Plugin-wide settings under dubbo.custom.config-map.streamx reach the
// transport of services and references that set none of their own.
func TestConfigPluginWideLimits(t *testing.T) {
	if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
		return
	}
	path := filepath.Join(t.TempDir(), "dubbogo.yml")
	if err := os.WriteFile(path, []byte(`
dubbo:
  custom:
    config-map:
      streamx:
        max-server-recv-msg-size: 1KiB
        max-call-send-msg-size: 2KiB
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatal(err)
	}
	url := testenv.Serve(t, greeter.NewService())
	conn := testenv.Dial(t, greeter.ServiceName, url)
	ctx := ctxFor(t, 20*time.Second)
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", 1500)))
	if streamx.CodeOf(err) != streamx.CodeResourceExhausted || !strings.Contains(err.Error(), "1024-byte limit") {
		t.Fatalf("over the plugin-wide provider limit: %v", err)
	}
	_, err = greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", 3000)))
	if streamx.CodeOf(err) != streamx.CodeResourceExhausted || !strings.Contains(err.Error(), "send limit") {
		t.Fatalf("over the plugin-wide consumer send limit: %v", err)
	}
	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("small")); err != nil || r.Message != "Hello, small" {
		t.Fatalf("small call: %v, %v", r, err)
	}
}
