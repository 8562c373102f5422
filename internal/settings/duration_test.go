package settings

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for v, want := range map[string]time.Duration{"30s": 30 * time.Second, " 1m30s ": 90 * time.Second, "1ns": 1} {
		if got, err := ParseDuration("k", v); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "0", "0s", "5", "-1s", "1x", "soon", "999999999h"} {
		_, err := ParseDuration("a.key", v)
		if err == nil || !strings.Contains(err.Error(), "a.key") || !strings.Contains(err.Error(), `"`+v+`"`) {
			t.Errorf("ParseDuration(%q) = %v, want an error naming a.key and the value", v, err)
		}
	}
}
