package settings

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// MaxSize is the largest size a setting takes: 2 GiB - 1.
const MaxSize = 1<<31 - 1

// ParseCount parses an integer between 1 and MaxSize for key.
func ParseCount(key, v string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %q is not an integer between 1 and %d", key, v, MaxSize)
	}
	return int(n), nil
}

// ParseSize parses a size such as "4MiB", "512KB" or "1048576" for key.
// The result lies between 1 B and MaxSize.
func ParseSize(key, v string) (int, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(v))
	if err != nil || n == 0 || n > MaxSize {
		return 0, fmt.Errorf("%s: %q is not a size between 1B and 2GiB (e.g. \"4MiB\")", key, v)
	}
	return int(n), nil
}

// ParseCompressMinBytes parses an integer >= -1 for key.
func ParseCompressMinBytes(key, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < -1 {
		return 0, fmt.Errorf("%s: %q is not an integer >= -1", key, v)
	}
	return n, nil
}
