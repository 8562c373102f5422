package settings

import (
	"fmt"
	"strings"
	"time"
)

// ParseDuration parses v, a Go duration such as "30s" or "1m30s" (spaces
// around it ignored), as the value of key. It must be > 0: a setting is
// turned off or left at its default by not setting it, never by a zero
// that one reader would take for "off" and another for "the default".
// The error names key and v.
func ParseDuration(key, v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a duration > 0 (e.g. \"30s\")", key, v)
	}
	return d, nil
}
