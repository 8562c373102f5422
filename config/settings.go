package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dustin/go-humanize"
)

// Name is the key of the plugin's map under dubbo.custom.config-map.
const Name = "streamx"

// URL parameter names, as set in a service's or reference's params:.
const (
	// ParamCompressMinBytes is streamx's own parameter; the size limits are
	// dubbo-go's (constant.MaxServerRecvMsgSize, ...).
	ParamCompressMinBytes = "streamx.compress-min-bytes"
)

// Plugin-wide keys under dubbo.custom.config-map.streamx. Each is its URL
// parameter without the "streamx." prefix.
const (
	KeyCompressMinBytes     = "compress-min-bytes"
	KeyMaxServerRecvMsgSize = constant.MaxServerRecvMsgSize // "max-server-recv-msg-size"
	KeyMaxServerSendMsgSize = constant.MaxServerSendMsgSize
	KeyMaxCallRecvMsgSize   = constant.MaxCallRecvMsgSize
	KeyMaxCallSendMsgSize   = constant.MaxCallSendMsgSize
)

// Built-in defaults; sizes are dubbo-go's.
const (
	DefaultCompressMinBytes = -1 // never compress
	DefaultMaxRecvMsgSize   = 4 << 20
	Unlimited               = -1 // no send limit
	maxSize                 = 1<<31 - 1
)

// Settings are streamx's plugin-wide transport settings, fully resolved:
// every field holds the file's value or the built-in default.
type Settings struct {
	// CompressMinBytes is the smallest message gzip-compressed for a peer
	// that accepts gzip; -1 never compresses.
	CompressMinBytes int
	// MaxServerRecvMsgSize and MaxServerSendMsgSize bound a provider's
	// messages in bytes; MaxCall* bound a consumer's. Unlimited is -1.
	MaxServerRecvMsgSize int
	MaxServerSendMsgSize int
	MaxCallRecvMsgSize   int
	MaxCallSendMsgSize   int
}

// BuiltinSettings are the settings when the file sets none.
var BuiltinSettings = Settings{
	CompressMinBytes:     DefaultCompressMinBytes,
	MaxServerRecvMsgSize: DefaultMaxRecvMsgSize,
	MaxServerSendMsgSize: Unlimited,
	MaxCallRecvMsgSize:   DefaultMaxRecvMsgSize,
	MaxCallSendMsgSize:   Unlimited,
}

// Keys lists the plugin-wide keys with the URL parameter each stands for.
var Keys = map[string]string{
	KeyCompressMinBytes:     ParamCompressMinBytes,
	KeyMaxServerRecvMsgSize: constant.MaxServerRecvMsgSize,
	KeyMaxServerSendMsgSize: constant.MaxServerSendMsgSize,
	KeyMaxCallRecvMsgSize:   constant.MaxCallRecvMsgSize,
	KeyMaxCallSendMsgSize:   constant.MaxCallSendMsgSize,
}

// ParseSize parses a size such as "4MiB", "512KB" or "1048576" for key.
// The result lies between 1 B and 2 GiB - 1.
func ParseSize(key, v string) (int, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(v))
	if err != nil || n == 0 || n > maxSize {
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

// parseSettings reads the map under config-map.streamx. where names it in
// errors ("dubbo.custom.config-map.streamx").
func parseSettings(where string, raw any) (Settings, error) {
	s := BuiltinSettings
	if raw == nil {
		return s, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return s, fmt.Errorf("%s: want a map of settings, got %v", where, raw)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error is the same on every run
	for _, k := range keys {
		key := where + "." + k
		v, err := scalar(key, m[k])
		if err != nil {
			return s, err
		}
		switch k {
		case KeyCompressMinBytes:
			s.CompressMinBytes, err = ParseCompressMinBytes(key, v)
		case KeyMaxServerRecvMsgSize:
			s.MaxServerRecvMsgSize, err = ParseSize(key, v)
		case KeyMaxServerSendMsgSize:
			s.MaxServerSendMsgSize, err = ParseSize(key, v)
		case KeyMaxCallRecvMsgSize:
			s.MaxCallRecvMsgSize, err = ParseSize(key, v)
		case KeyMaxCallSendMsgSize:
			s.MaxCallSendMsgSize, err = ParseSize(key, v)
		default:
			err = fmt.Errorf("%s: unknown key (known: %s)", key, knownKeys())
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// scalar turns a YAML scalar (int, float, string) into text.
func scalar(key string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("%s: %v is not a single value", key, v)
	}
}

func knownKeys() string {
	ks := make([]string, 0, len(Keys))
	for k := range Keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// checkParams validates the streamx-related URL parameters in params:
// every streamx.* key must be known, and sizes and numbers well-formed.
func checkParams(where string, params map[string]string) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key, v := where+"."+k, params[k]
		var err error
		switch {
		case k == ParamCompressMinBytes:
			_, err = ParseCompressMinBytes(key, v)
		case k == constant.MaxServerRecvMsgSize, k == constant.MaxServerSendMsgSize,
			k == constant.MaxCallRecvMsgSize, k == constant.MaxCallSendMsgSize:
			_, err = ParseSize(key, v)
		case strings.HasPrefix(k, Name+"."):
			err = fmt.Errorf("%s: unknown streamx parameter (known: %s)", key, ParamCompressMinBytes)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
