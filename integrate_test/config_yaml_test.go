package integrate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// Plugin-wide settings under dubbo.custom.config-map.streamx reach the
// transport of services and references that set none of their own.
func TestConfigPluginWideLimits(t *testing.T) {
	if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
		return
	}
	if _, err := config.Load(discYAML(t, `
dubbo:
  custom:
    config-map:
      streamx:
        max-server-recv-msg-size: 1KiB
        max-call-send-msg-size: 2KiB
`, nil)); err != nil {
		t.Fatal(err)
	}
	conn := streamxtest.Serve(t, testgreeter.NewService()) // in memory: the limits are the transport's, whatever carries it
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

// Stream filters turned on by a service's `filter:` list and configured by
// its `params:` in dubbogo.yml, as users do with dubbo-go's filters.
func TestConfigStreamFiltersFromYAML(t *testing.T) {
	if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
		return
	}
	port := testenv.FreePort(t)
	discServe(t, `
dubbo:
  logger:
    level: warn
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${PORT}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        filter: stream-accesslog,stream-metrics,stream-limit,stream-timeout
        params:
          stream.max-msg-size: 100B
          stream.idle-timeout: 300ms
`, map[string]string{"PORT": fmt.Sprint(port)}, "yaml")
	conn := testenv.Dial(t, greeter.ServiceName, "tri://"+testenv.Addr(port))
	ctx := ctxFor(t, 20*time.Second)

	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("small")); err != nil || r.Message != "Hello, small" {
		t.Fatalf("small call: %v, %v", r, err)
	}
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", 200)))
	if streamx.CodeOf(err) != streamx.CodeResourceExhausted || !strings.Contains(err.Error(), filter.ParamMaxMsgSize) {
		t.Fatalf("over stream.max-msg-size: %v", err)
	}
	s, err := testgreeter.EchoSize.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeDeadlineExceeded || !strings.Contains(err.Error(), filter.ParamIdleTimeout) {
		t.Fatalf("idle stream: %v", err)
	}
}
