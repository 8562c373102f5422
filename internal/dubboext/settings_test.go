package dubboext

import (
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// withDefaults makes s the plugin-wide settings for the test.
func withDefaults(t *testing.T, s settings.Plugin) {
	t.Helper()
	before, err := settings.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	settings.SetDefaults(s)
	t.Cleanup(func() { settings.SetDefaults(before) })
}

func testURL(params map[string]string, tc *global.TripleConfig) *common.URL {
	opts := []common.Option{common.WithProtocol("tri"), common.WithIp("127.0.0.1"), common.WithPort("20000"), common.WithPath("svc")}
	for k, v := range params {
		opts = append(opts, common.WithParamsValue(k, v))
	}
	if tc != nil {
		opts = append(opts, common.WithAttribute(constant.TripleConfigKey, tc))
	}
	return common.NewURLWithOptions(opts...)
}

// A consumer's keep-alive: streamx.keep-alive-* > the triple config >
// the reference's keep-alive-* (dubbo-go's order for its two) >
// plugin-wide > streamx's default.
func TestClientKeepAlivePrecedence(t *testing.T) {
	plugin := settings.Builtin()
	plugin.Limits.KeepaliveInterval, plugin.Limits.KeepaliveTimeout = 41*time.Second, 4*time.Second
	all := map[string]string{
		constant.KeepAliveInterval: "42s", constant.KeepAliveTimeout: "5s",
		"streamx.keep-alive-interval": "44s", "streamx.keep-alive-timeout": "7s",
	}
	tc := &global.TripleConfig{KeepAliveInterval: "43s", KeepAliveTimeout: "6s"}
	for _, c := range []struct {
		name              string
		plugin            bool
		params            map[string]string
		tc                *global.TripleConfig
		interval, timeout time.Duration
	}{
		{"default", false, nil, nil, h2.DefaultKeepaliveInterval, h2.DefaultKeepaliveTimeout},
		{"plugin-wide", true, nil, &global.TripleConfig{}, 41 * time.Second, 4 * time.Second},
		{"reference key", true, map[string]string{constant.KeepAliveInterval: "42s", constant.KeepAliveTimeout: "5s"}, nil, 42 * time.Second, 5 * time.Second},
		{"triple config", true, map[string]string{constant.KeepAliveInterval: "42s", constant.KeepAliveTimeout: "5s"}, tc, 43 * time.Second, 6 * time.Second},
		{"triple config, one key", true, map[string]string{constant.KeepAliveTimeout: "5s"}, &global.TripleConfig{KeepAliveInterval: "43s"}, 43 * time.Second, 5 * time.Second},
		{"streamx param", true, all, tc, 44 * time.Second, 7 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.plugin {
				withDefaults(t, plugin)
			} else {
				withDefaults(t, settings.Builtin())
			}
			s, err := clientSettings(testURL(c.params, c.tc))
			if err != nil {
				t.Fatal(err)
			}
			l := s.H2.WithDefaults()
			if l.KeepaliveInterval != c.interval || l.KeepaliveTimeout != c.timeout {
				t.Fatalf("keepalive %v/%v, want %v/%v", l.KeepaliveInterval, l.KeepaliveTimeout, c.interval, c.timeout)
			}
		})
	}
}

func TestClientKeepAliveBad(t *testing.T) {
	withDefaults(t, settings.Builtin())
	for _, c := range []struct {
		params map[string]string
		tc     *global.TripleConfig
		want   []string
	}{
		{map[string]string{constant.KeepAliveInterval: "soon"}, nil, []string{"keep-alive-interval", `"soon"`}},
		{nil, &global.TripleConfig{KeepAliveTimeout: "-1s"}, []string{"triple.keep-alive-timeout", `"-1s"`}},
		{map[string]string{"streamx.keep-alive-timeout": "0"}, nil, []string{"streamx.keep-alive-timeout", `"0"`}},
	} {
		_, err := clientSettings(testURL(c.params, c.tc))
		if err == nil {
			t.Fatalf("%v %+v: no error", c.params, c.tc)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %s", err, w)
			}
		}
	}
}

// A reference's streamx.* bounds win over plugin-wide ones; provider-only
// ones are refused.
func TestClientBoundsFromParams(t *testing.T) {
	plugin := settings.Builtin()
	plugin.Limits.MaxFrameSize, plugin.Limits.WriteTimeout, plugin.Limits.ConnWindow = 20<<10, time.Minute, 1<<20
	withDefaults(t, plugin)
	s, err := clientSettings(testURL(map[string]string{"streamx.max-frame-size": "32KiB", "streamx.max-ping-strikes": "9"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.H2.MaxFrameSize != 32<<10 || s.H2.MaxPingStrikes != 9 || s.H2.WriteTimeout != time.Minute || s.H2.ConnWindow != 1<<20 {
		t.Fatalf("H2 = %+v", s.H2)
	}
	_, err = clientSettings(testURL(map[string]string{"streamx.max-concurrent-streams": "5"}, nil))
	if err == nil || !strings.Contains(err.Error(), "streamx.max-concurrent-streams") || !strings.Contains(err.Error(), "provider") {
		t.Fatalf("err = %v", err)
	}
	_, err = clientSettings(testURL(map[string]string{"streamx.max-frame-size": "1KiB"}, nil))
	if err == nil || !strings.Contains(err.Error(), `"1KiB"`) {
		t.Fatalf("err = %v", err)
	}
}

// A provider takes its bounds plugin-wide, keep-alive also from the
// protocol's triple config; a service's streamx.* bound is refused.
func TestServerBounds(t *testing.T) {
	plugin := settings.Builtin()
	plugin.Limits.MaxConcurrentStreams, plugin.Limits.IdleTimeout, plugin.Limits.KeepaliveInterval = 77, time.Hour, 50*time.Second
	withDefaults(t, plugin)
	s, err := serverSettings(testURL(nil, &global.TripleConfig{KeepAliveTimeout: "3s"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.H2.MaxConcurrentStreams != 77 || s.H2.IdleTimeout != time.Hour || s.H2.KeepaliveInterval != 50*time.Second || s.H2.KeepaliveTimeout != 3*time.Second {
		t.Fatalf("H2 = %+v", s.H2)
	}
	s, err = serverSettings(testURL(nil, &global.TripleConfig{KeepAliveInterval: "9s"}))
	if err != nil || s.H2.KeepaliveInterval != 9*time.Second {
		t.Fatalf("triple keep-alive-interval: %+v, %v", s.H2, err)
	}
	_, err = serverSettings(testURL(nil, &global.TripleConfig{KeepAliveInterval: "often"}))
	if err == nil || !strings.Contains(err.Error(), "triple.keep-alive-interval") || !strings.Contains(err.Error(), `"often"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = serverSettings(testURL(map[string]string{"streamx.write-timeout": "1s"}, nil))
	if err == nil || !strings.Contains(err.Error(), "streamx.write-timeout") || !strings.Contains(err.Error(), "per service") {
		t.Fatalf("err = %v", err)
	}
}
