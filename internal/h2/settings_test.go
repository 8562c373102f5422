package h2

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

func TestPeerSettingsApply(t *testing.T) {
	tests := []struct {
		name       string
		set        http2.Setting
		fromServer bool
		code       http2.ErrCode // 0: accepted
		delta      int64
	}{
		{"push off", http2.Setting{ID: http2.SettingEnablePush, Val: 0}, false, 0, 0},
		{"push on from a consumer", http2.Setting{ID: http2.SettingEnablePush, Val: 1}, false, 0, 0},
		{"push on from a provider", http2.Setting{ID: http2.SettingEnablePush, Val: 1}, true, http2.ErrCodeProtocol, 0},
		{"push 2", http2.Setting{ID: http2.SettingEnablePush, Val: 2}, false, http2.ErrCodeProtocol, 0},
		{"frame 0", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 0}, false, http2.ErrCodeProtocol, 0},
		{"frame 16383", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16383}, true, http2.ErrCodeProtocol, 0},
		{"frame 16384", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16384}, true, 0, 0},
		{"frame 2^24-1", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1<<24 - 1}, false, 0, 0},
		{"frame 2^24", http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 24}, false, http2.ErrCodeProtocol, 0},
		{"window 2^31-1", http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1}, false, 0, 1<<31 - 1 - 65535},
		{"window 2^31", http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31}, false, http2.ErrCodeFlowControl, 0},
		{"window 0", http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}, false, 0, -65535},
		{"unknown id", http2.Setting{ID: 0x99, Val: 12345}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := InitialPeerSettings(100)
			before := p
			delta, err := p.Apply(tt.set, tt.fromServer)
			var ce ConnError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.code != 0 && !errors.As(err, &ce):
				t.Fatalf("accepted (%+v), want %v", p, tt.code)
			case tt.code != 0 && ce.Code != tt.code:
				t.Fatalf("code %v, want %v (%v)", ce.Code, tt.code, err)
			case tt.code != 0 && p != before:
				t.Fatalf("a rejected setting changed %+v to %+v", before, p)
			case delta != tt.delta:
				t.Fatalf("window delta %d, want %d", delta, tt.delta)
			}
		})
	}
}

// FuzzPeerSettings applies any list of settings: the result always stays
// within RFC 9113's ranges, a rejected setting changes nothing, and the
// window deltas add up to the last initial window.
func FuzzPeerSettings(f *testing.F) {
	f.Add([]byte{0, 5, 0, 0, 0, 0}, false)   // MAX_FRAME_SIZE 0
	f.Add([]byte{0, 4, 0x80, 0, 0, 0}, true) // INITIAL_WINDOW_SIZE 2^31
	f.Add([]byte{0, 4, 0, 1, 0, 0, 0, 5, 0, 0, 64, 0}, false)
	f.Add([]byte{0, 2, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0}, true) // push from a provider
	f.Fuzz(func(t *testing.T, raw []byte, fromServer bool) {
		p := InitialPeerSettings(100)
		window := int64(p.InitialWindow)
		for len(raw) >= 6 {
			s := http2.Setting{ID: http2.SettingID(binary.BigEndian.Uint16(raw)), Val: binary.BigEndian.Uint32(raw[2:])}
			raw = raw[6:]
			before := p
			delta, err := p.Apply(s, fromServer)
			if err != nil {
				var ce ConnError
				if !errors.As(err, &ce) || ce.Code == http2.ErrCodeNo {
					t.Fatalf("%v: error %v is not a connection error with a code", s, err)
				}
				if p != before {
					t.Fatalf("%v rejected but changed %+v to %+v", s, before, p)
				}
				continue
			}
			window += delta
			if window != int64(p.InitialWindow) {
				t.Fatalf("deltas add up to %d, initial window is %d", window, p.InitialWindow)
			}
			if p.MaxFrame < minFrameSize || p.MaxFrame > maxFrameSize || p.InitialWindow < 0 {
				t.Fatalf("%v accepted into %+v", s, p)
			}
			if s.Valid() != nil {
				t.Fatalf("%v accepted although x/net says %v", s, s.Valid())
			}
		}
	})
}

func TestRate(t *testing.T) {
	r := rate{n: 3}
	for i := 0; i < 3; i++ {
		if !r.allow() {
			t.Fatalf("event %d of a burst of 3 refused", i+1)
		}
	}
	if r.allow() {
		t.Fatal("a 4th event in the same instant allowed")
	}
}

func TestPingStrikes(t *testing.T) {
	p := pings{minInterval: time.Hour, maxStrikes: 2}
	// Pings that follow our data never strike.
	for i := 0; i < 10; i++ {
		if !p.ok(true) {
			t.Fatalf("ping %d after data refused", i)
		}
	}
	// Without data: the first is free, then two strikes, the third ends it.
	for range 2 {
		if !p.ok(false) {
			t.Fatal("refused within the strikes")
		}
	}
	if p.ok(false) {
		t.Fatal("a third strike allowed")
	}
}
