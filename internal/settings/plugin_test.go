package settings

import "testing"

// Every connection bound's key reaches its own h2.Limits field.
func TestLimitsMapping(t *testing.T) {
	var d Plugin
	for _, k := range ConnKeys() {
		v := "7"
		switch k {
		case KeyMaxFrameSize, KeyMaxHeaderListSize, KeyStreamWindow, KeyConnWindow:
			v = "1MiB"
		case KeyMinPingInterval, KeyKeepAliveInterval, KeyKeepAliveTimeout, KeyIdleTimeout, KeyWriteTimeout:
			v = "7s"
		}
		if err := d.SetBound(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if l := d.Limits; l.WithDefaults() != l {
		t.Fatalf("a bound did not reach h2.Limits: %+v", l)
	}
}
