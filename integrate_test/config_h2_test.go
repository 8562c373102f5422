package integrate_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

// Connection bounds set plugin-wide in dubbogo.yml are what the provider
// advertises in its SETTINGS frame, read here with a raw HTTP/2 framer.
func TestConfigConnBoundsAdvertised(t *testing.T) {
	if discIsolate(t) { // config.Load swaps dubbo-go's process-wide logger
		return
	}
	port := testenv.FreePort(t)
	discServe(t, `
dubbo:
  logger:
    level: warn
  custom:
    config-map:
      streamx:
        max-concurrent-streams: 37
        max-frame-size: 32KiB
        stream-window: 1MiB
        max-header-list-size: 64KiB
        keep-alive-interval: 1m
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${PORT}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
`, map[string]string{"PORT": fmt.Sprint(port)}, "yaml")

	c, err := net.DialTimeout("tcp", testenv.Addr(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var got map[http2.SettingID]uint32
	for got == nil {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading the provider's SETTINGS: %v", err)
		}
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			got = map[http2.SettingID]uint32{}
			_ = sf.ForeachSetting(func(s http2.Setting) error { got[s.ID] = s.Val; return nil })
		}
	}
	for id, want := range map[http2.SettingID]uint32{
		http2.SettingMaxConcurrentStreams: 37,
		http2.SettingInitialWindowSize:    1 << 20,
		http2.SettingMaxHeaderListSize:    64 << 10,
	} {
		if v, ok := got[id]; !ok || v != want {
			t.Errorf("%v = %d (present %v), want %d; SETTINGS %v", id, v, ok, want, got)
		}
	}
	// The provider advertises SETTINGS_MAX_FRAME_SIZE once its server
	// sends it; when it does, it must be the configured size.
	if v, ok := got[http2.SettingMaxFrameSize]; ok && v != 32<<10 {
		t.Errorf("SETTINGS_MAX_FRAME_SIZE = %d, want %d", v, 32<<10)
	}
}
