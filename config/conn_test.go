package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

func streamxYAML(key, value string) string {
	return fmt.Sprintf("dubbo:\n  custom:\n    config-map:\n      streamx:\n        %s: %s\n", key, value)
}

// Every connection bound: a good value lands in its field, bad ones fail
// naming the full key path and the value.
func TestLoadConnBounds(t *testing.T) {
	const where = "dubbo.custom.config-map.streamx."
	for _, c := range []struct {
		key, good string
		want      func(Settings) bool
		bad       []string
	}{
		{KeyMaxConcurrentStreams, "20000", func(s Settings) bool { return s.MaxConcurrentStreams == 20000 }, []string{"0", "-1", "lots", "1.5"}},
		{KeyMaxFrameSize, "64KiB", func(s Settings) bool { return s.MaxFrameSize == 64<<10 }, []string{"1KiB", "16MiB", "big"}},
		{KeyMaxHeaderListSize, "16KiB", func(s Settings) bool { return s.MaxHeaderListSize == 16<<10 }, []string{"512B", "0"}},
		{KeyMaxContinuationFrames, "8", func(s Settings) bool { return s.MaxContinuationFrames == 8 }, []string{"0", "x"}},
		{KeyStreamWindow, "1MiB", func(s Settings) bool { return s.StreamWindow == 1<<20 }, []string{"1KiB", "3GiB"}},
		{KeyConnWindow, "32MiB", func(s Settings) bool { return s.ConnWindow == 32<<20 }, []string{"100B", "-1"}},
		{KeyMaxResetsPerSecond, "50", func(s Settings) bool { return s.MaxResetsPerSecond == 50 }, []string{"0", "ten"}},
		{KeyMaxSettingsPerSecond, "5", func(s Settings) bool { return s.MaxSettingsPerSecond == 5 }, []string{"-3"}},
		{KeyMinPingInterval, "1s", func(s Settings) bool { return s.MinPingInterval == time.Second }, []string{"0s", "5", "-1s"}},
		{KeyMaxPingStrikes, "3", func(s Settings) bool { return s.MaxPingStrikes == 3 }, []string{"0"}},
		{KeyKeepAliveInterval, "15s", func(s Settings) bool { return s.KeepAliveInterval == 15*time.Second }, []string{"fast", "0"}},
		{KeyKeepAliveTimeout, "2s", func(s Settings) bool { return s.KeepAliveTimeout == 2*time.Second }, []string{"10"}},
		{KeyIdleTimeout, "1m30s", func(s Settings) bool { return s.IdleTimeout == 90*time.Second }, []string{"never"}},
		{KeyWriteTimeout, "45s", func(s Settings) bool { return s.WriteTimeout == 45*time.Second }, []string{"-5s"}},
	} {
		t.Run(c.key, func(t *testing.T) {
			cfg, err := Load(write(t, "dubbogo.yml", streamxYAML(c.key, c.good)))
			if err != nil {
				t.Fatal(err)
			}
			if !c.want(cfg.Streamx) {
				t.Fatalf("%s: %s gave %+v", c.key, c.good, cfg.Streamx)
			}
			for _, bad := range c.bad {
				before, _ := Defaults()
				_, err := Load(write(t, "dubbogo.yml", streamxYAML(c.key, fmt.Sprintf("%q", bad))))
				if err == nil {
					t.Fatalf("%s: %q loaded", c.key, bad)
				}
				for _, w := range []string{where + c.key, fmt.Sprintf("%q", bad)} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				if after, _ := Defaults(); after != before {
					t.Errorf("a failed Load changed Defaults")
				}
			}
		})
	}
}

// A value out of the HTTP/2 engine's range says the range.
func TestLoadConnBoundRange(t *testing.T) {
	_, err := Load(write(t, "dubbogo.yml", streamxYAML(KeyMaxFrameSize, "8KiB")))
	if err == nil || !strings.Contains(err.Error(), "16384 and 16777215") {
		t.Fatalf("err = %v, want the frame size range", err)
	}
}

func TestLoadUnknownConnKey(t *testing.T) {
	_, err := Load(write(t, "dubbogo.yml", streamxYAML("max-streams", "10")))
	if err == nil {
		t.Fatal("loaded")
	}
	for _, w := range []string{"dubbo.custom.config-map.streamx.max-streams", "unknown key", KeyMaxConcurrentStreams, KeyWriteTimeout, KeyCompressMinBytes} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
}

func TestLoadConnParams(t *testing.T) {
	good := `
dubbo:
  consumer:
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        keep-alive-interval: 20s
        protocol_config:
          triple:
            keep-alive-timeout: 3s
        params:
          streamx.max-frame-size: 32KiB
          streamx.keep-alive-interval: 7s
          streamx.write-timeout: 1m
  protocols:
    tri:
      name: tri
      triple:
        keep-alive-interval: 40s
`
	if _, err := Load(write(t, "dubbogo.yml", good)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"service bound", `
dubbo:
  provider:
    services:
      greeter:
        params:
          streamx.max-concurrent-streams: "10"`, []string{"dubbo.provider.services.greeter.params.streamx.max-concurrent-streams", `"10"`, "per service", "dubbo.custom.config-map.streamx"}},
		{"service keepalive", `
dubbo:
  provider:
    services:
      greeter:
        params:
          streamx.keep-alive-interval: 5s`, []string{"dubbo.provider.services.greeter.params.streamx.keep-alive-interval", `"5s"`, "per service"}},
		{"reference provider-only", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.idle-timeout: 5s`, []string{"dubbo.consumer.references.greeter.params.streamx.idle-timeout", `"5s"`, "provider"}},
		{"reference bad size", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.stream-window: 1KiB`, []string{"dubbo.consumer.references.greeter.params.streamx.stream-window", `"1KiB"`, "65535"}},
		{"reference bad duration", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.keep-alive-timeout: soon`, []string{"dubbo.consumer.references.greeter.params.streamx.keep-alive-timeout", `"soon"`}},
		{"unknown param lists bounds", `
dubbo:
  consumer:
    references:
      greeter:
        params:
          streamx.frame-size: 1`, []string{"streamx.frame-size", "unknown", "streamx.max-frame-size"}},
		{"reference keep-alive field", `
dubbo:
  consumer:
    references:
      greeter:
        keep-alive-interval: 10`, []string{"dubbo.consumer.references.greeter.keep-alive-interval", `"10"`}},
		{"reference triple keepalive", `
dubbo:
  consumer:
    references:
      greeter:
        protocol_config:
          triple:
            keep-alive-timeout: 1y`, []string{"dubbo.consumer.references.greeter.protocol_config.triple.keep-alive-timeout", `"1y"`}},
		{"protocol triple keepalive", `
dubbo:
  protocols:
    tri:
      name: tri
      triple:
        keep-alive-interval: often`, []string{"dubbo.protocols.tri.triple.keep-alive-interval", `"often"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(write(t, "dubbogo.yml", c.yaml))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestSettingsSet(t *testing.T) {
	var s Settings
	if err := s.Set("streamx.max-frame-size", "20KiB"); err != nil || s.MaxFrameSize != 20<<10 {
		t.Fatalf("Set: %v, %+v", err, s)
	}
	if err := s.Set(KeyWriteTimeout, "2s"); err != nil || s.WriteTimeout != 2*time.Second {
		t.Fatalf("Set: %v, %+v", err, s)
	}
	err := s.Set("streamx.max-frame-size", "1B")
	if err == nil || !strings.Contains(err.Error(), "streamx.max-frame-size") || !strings.Contains(err.Error(), `"1B"`) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Set(KeyCompressMinBytes, "1"); err == nil {
		t.Fatal("Set accepted a key that is not a connection bound")
	}
}

func TestSetDefaults(t *testing.T) {
	before, _ := Defaults()
	t.Cleanup(func() { setDefaults(before) })
	s := BuiltinSettings()
	s.MaxConcurrentStreams = 5
	if err := SetDefaults(s); err != nil {
		t.Fatal(err)
	}
	if d, _ := Defaults(); d != s {
		t.Fatalf("Defaults() = %+v, want %+v", d, s)
	}
	bad := s
	bad.ConnWindow = 10
	if err := SetDefaults(bad); err == nil || !strings.Contains(err.Error(), "connection window") {
		t.Fatalf("err = %v", err)
	}
	if d, _ := Defaults(); d != s {
		t.Fatal("a failed SetDefaults changed Defaults")
	}
}

// Every bound maps to its own h2.Limits field.
func TestLimitsMapping(t *testing.T) {
	var s Settings
	for _, k := range ConnKeys() {
		var v string
		switch k {
		case KeyMaxFrameSize, KeyMaxHeaderListSize, KeyStreamWindow, KeyConnWindow:
			v = "1MiB"
		case KeyMinPingInterval, KeyKeepAliveInterval, KeyKeepAliveTimeout, KeyIdleTimeout, KeyWriteTimeout:
			v = "7s"
		default:
			v = "7"
		}
		if err := s.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if l := s.limits(); l.WithDefaults() != l {
		t.Fatalf("a bound did not reach h2.Limits: %+v", l)
	}
}

// Settings and the internal settings map onto each other field by field:
// a Settings with every field set survives the round trip.
func TestPluginRoundTrip(t *testing.T) {
	s := Settings{
		CompressMinBytes: 1, MaxServerRecvMsgSize: 2, MaxServerSendMsgSize: 3, MaxCallRecvMsgSize: 4, MaxCallSendMsgSize: 5,
		MaxConcurrentStreams: 6, MaxFrameSize: 7, MaxHeaderListSize: 8, MaxContinuationFrames: 9,
		StreamWindow: 10, ConnWindow: 11, MaxResetsPerSecond: 12, MaxSettingsPerSecond: 13,
		MinPingInterval: 14, MaxPingStrikes: 15, KeepAliveInterval: 16, KeepAliveTimeout: 17,
		IdleTimeout: 18, WriteTimeout: 19,
	}
	if got := fromPlugin(s.plugin()); got != s {
		t.Fatalf("round trip: %+v, want %+v", got, s)
	}
}

// Every field of the engine's limits is carried by Settings: a Limits
// with each field set to a distinct value survives the round trip, so a
// bound added to the engine and not to Settings fails here.
func TestSettingsCarryEveryLimit(t *testing.T) {
	var p settings.Plugin
	v := reflect.ValueOf(&p.Limits).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Uint32:
			f.SetUint(uint64(i + 1))
		default:
			t.Fatalf("limit %s of kind %s: teach this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	if got := fromPlugin(p).plugin(); got != p {
		t.Fatalf("round trip lost a limit: %+v, want %+v", got.Limits, p.Limits)
	}
}

// WithDefaults fills the zero bounds with the engine's defaults and keeps
// the set ones.
func TestWithDefaults(t *testing.T) {
	s := BuiltinSettings()
	s.MaxFrameSize = 1 << 20
	d := s.WithDefaults()
	if d.MaxFrameSize != 1<<20 || d.MaxConcurrentStreams == 0 || d.WriteTimeout == 0 || d.CompressMinBytes != s.CompressMinBytes {
		t.Fatalf("WithDefaults() = %+v", d)
	}
	if d.WithDefaults() != d {
		t.Fatal("WithDefaults is not idempotent")
	}
}
