package config

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dustin/go-humanize"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// Name is the key of the plugin's map under dubbo.custom.config-map.
const Name = "streamx"

// URL parameter names, as set in a service's or reference's params:.
const (
	// ParamCompressMinBytes is streamx's own parameter; the size limits are
	// dubbo-go's (constant.MaxServerRecvMsgSize, ...).
	ParamCompressMinBytes = "streamx.compress-min-bytes"
	// ParamPrefix starts every streamx parameter: a connection bound's is
	// ParamPrefix + its plugin-wide key ("streamx.max-frame-size").
	ParamPrefix = Name + "."
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

// Plugin-wide keys of the HTTP/2 connection bounds (see ConnKeys).
const (
	KeyMaxConcurrentStreams  = "max-concurrent-streams"
	KeyMaxFrameSize          = "max-frame-size"
	KeyMaxHeaderListSize     = "max-header-list-size"
	KeyMaxContinuationFrames = "max-continuation-frames"
	KeyStreamWindow          = "stream-window"
	KeyConnWindow            = "conn-window"
	KeyMaxResetsPerSecond    = "max-resets-per-second"
	KeyMaxSettingsPerSecond  = "max-settings-per-second"
	KeyMinPingInterval       = "min-ping-interval"
	KeyMaxPingStrikes        = "max-ping-strikes"
	KeyKeepAliveInterval     = constant.KeepAliveInterval // "keep-alive-interval", dubbo-go's key
	KeyKeepAliveTimeout      = constant.KeepAliveTimeout
	KeyIdleTimeout           = "idle-timeout"
	KeyWriteTimeout          = "write-timeout"
)

// Built-in defaults; sizes are dubbo-go's.
const (
	DefaultCompressMinBytes = -1 // never compress
	DefaultMaxRecvMsgSize   = 4 << 20
	Unlimited               = -1 // no send limit
	maxSize                 = 1<<31 - 1
)

// Settings are streamx's plugin-wide transport settings. The message
// fields are resolved (the file's value or the built-in default); in the
// connection bounds, from MaxConcurrentStreams on, zero means streamx's
// default, given in each field's doc. Settings is comparable with ==.
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

	// HTTP/2 connection bounds (keys max-concurrent-streams ...
	// write-timeout). A provider's apply to every connection of every
	// endpoint; a consumer's to the connections of each reference.

	// MaxConcurrentStreams bounds the streams a provider runs at once on
	// one connection (advertised; more are refused). Provider only;
	// default 1000.
	MaxConcurrentStreams uint32
	// MaxFrameSize is the largest frame payload accepted, 16 KiB to
	// 16 MiB - 1 (advertised); default 16 KiB.
	MaxFrameSize uint32
	// MaxHeaderListSize bounds a received header block, decoded, at least
	// 1 KiB (advertised); default 1 MiB.
	MaxHeaderListSize uint32
	// MaxContinuationFrames bounds the CONTINUATION frames of one header
	// block; default 128.
	MaxContinuationFrames int
	// StreamWindow is a stream's receive window, 65535 B to 2 GiB - 1;
	// default 4 MiB - 1.
	StreamWindow int32
	// ConnWindow is the connection's receive window, 65535 B to 2 GiB - 1;
	// default 16 MiB.
	ConnWindow int32
	// MaxResetsPerSecond bounds the streams the peer resets plus those
	// refused to it, per second; default 1000.
	MaxResetsPerSecond int
	// MaxSettingsPerSecond bounds the peer's SETTINGS frames per second;
	// default 20.
	MaxSettingsPerSecond int
	// MinPingInterval is the shortest interval between two peer PINGs
	// with nothing sent in between, tolerated MaxPingStrikes times;
	// defaults 5s and 2.
	MinPingInterval time.Duration
	MaxPingStrikes  int
	// KeepAliveInterval is the silence after which a PING is sent, and
	// KeepAliveTimeout how long its answer may take before the connection
	// is closed; defaults 30s and 10s.
	KeepAliveInterval time.Duration
	KeepAliveTimeout  time.Duration
	// IdleTimeout closes a provider connection that has had no stream for
	// that long. Provider only; default 5m.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose peer has not taken a write
	// for that long; default 30s.
	WriteTimeout time.Duration
}

// BuiltinSettings returns the settings when the file sets none.
func BuiltinSettings() Settings {
	return Settings{
		CompressMinBytes:     DefaultCompressMinBytes,
		MaxServerRecvMsgSize: DefaultMaxRecvMsgSize,
		MaxServerSendMsgSize: Unlimited,
		MaxCallRecvMsgSize:   DefaultMaxRecvMsgSize,
		MaxCallSendMsgSize:   Unlimited,
	}
}

// messageKeys are the plugin-wide keys that are not connection bounds.
var messageKeys = [...]string{
	KeyCompressMinBytes, KeyMaxServerRecvMsgSize, KeyMaxServerSendMsgSize,
	KeyMaxCallRecvMsgSize, KeyMaxCallSendMsgSize,
}

// connKeys are the connection bounds' keys, sorted.
var connKeys = [...]string{
	KeyConnWindow, KeyIdleTimeout, KeyKeepAliveInterval, KeyKeepAliveTimeout,
	KeyMaxConcurrentStreams, KeyMaxContinuationFrames, KeyMaxFrameSize,
	KeyMaxHeaderListSize, KeyMaxPingStrikes, KeyMaxResetsPerSecond,
	KeyMaxSettingsPerSecond, KeyMinPingInterval, KeyStreamWindow, KeyWriteTimeout,
}

// Keys returns every plugin-wide key, sorted, in a new slice.
func Keys() []string {
	ks := slices.Concat(messageKeys[:], connKeys[:])
	sort.Strings(ks)
	return ks
}

// Param returns the URL parameter that the plugin-wide key stands for
// ("streamx.max-frame-size" for "max-frame-size"; dubbo-go's own name for
// a message size limit), or "" for an unknown key.
func Param(key string) string {
	switch {
	case key == KeyCompressMinBytes:
		return ParamCompressMinBytes
	case slices.Contains(messageKeys[:], key):
		return key // dubbo-go's parameters, named as the keys
	case isConnKey(key):
		return ParamPrefix + key
	}
	return ""
}

// ConnKeys returns the plugin-wide keys of the HTTP/2 connection bounds,
// sorted, in a new slice. Each is also a reference's URL parameter with
// ParamPrefix; a service's is refused (a provider's connections are shared
// by every service on its port, so its bounds are plugin-wide only).
func ConnKeys() []string { return slices.Clone(connKeys[:]) }

// ProviderOnly reports whether the connection bound key applies to
// providers only (a consumer follows the provider's).
func ProviderOnly(key string) bool {
	return key == KeyMaxConcurrentStreams || key == KeyIdleTimeout
}

// ParseDuration parses a duration such as "30s" or "1m30s" for key; it
// must be > 0.
func ParseDuration(key, v string) (time.Duration, error) {
	return settings.ParseDuration(key, v)
}

// ParseCount parses an integer between 1 and 2^31 - 1 for key.
func ParseCount(key, v string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %q is not an integer between 1 and %d", key, v, maxSize)
	}
	return int(n), nil
}

// Set sets the connection bound named by name, a plugin-wide key
// ("max-frame-size") or its URL parameter ("streamx.max-frame-size"),
// from its text: a count, a size ("16KiB") or a duration ("30s"). The
// error names name and value, and a value out of range says the range.
func (s *Settings) Set(name, value string) error {
	return s.set(name, strings.TrimPrefix(name, ParamPrefix), value)
}

// set sets connection bound k; where names it in errors.
func (s *Settings) set(where, k, v string) error {
	var (
		n   int
		d   time.Duration
		err error
	)
	size := func() { n, err = ParseSize(where, v) }
	count := func() { n, err = ParseCount(where, v) }
	dur := func() { d, err = ParseDuration(where, v) }
	switch k {
	case KeyMaxConcurrentStreams:
		if count(); err == nil {
			s.MaxConcurrentStreams = uint32(n)
		}
	case KeyMaxFrameSize:
		if size(); err == nil {
			s.MaxFrameSize = uint32(n)
		}
	case KeyMaxHeaderListSize:
		if size(); err == nil {
			s.MaxHeaderListSize = uint32(n)
		}
	case KeyMaxContinuationFrames:
		if count(); err == nil {
			s.MaxContinuationFrames = n
		}
	case KeyStreamWindow:
		if size(); err == nil {
			s.StreamWindow = int32(n)
		}
	case KeyConnWindow:
		if size(); err == nil {
			s.ConnWindow = int32(n)
		}
	case KeyMaxResetsPerSecond:
		if count(); err == nil {
			s.MaxResetsPerSecond = n
		}
	case KeyMaxSettingsPerSecond:
		if count(); err == nil {
			s.MaxSettingsPerSecond = n
		}
	case KeyMaxPingStrikes:
		if count(); err == nil {
			s.MaxPingStrikes = n
		}
	case KeyMinPingInterval:
		if dur(); err == nil {
			s.MinPingInterval = d
		}
	case KeyKeepAliveInterval:
		if dur(); err == nil {
			s.KeepAliveInterval = d
		}
	case KeyKeepAliveTimeout:
		if dur(); err == nil {
			s.KeepAliveTimeout = d
		}
	case KeyIdleTimeout:
		if dur(); err == nil {
			s.IdleTimeout = d
		}
	case KeyWriteTimeout:
		if dur(); err == nil {
			s.WriteTimeout = d
		}
	default:
		return fmt.Errorf("%s: not a connection bound (known: %s)", where, strings.Join(connKeys[:], ", "))
	}
	if err != nil {
		return err
	}
	// Every other field was checked when set: an error is this one's.
	if err := s.limits().Validate(); err != nil {
		return fmt.Errorf("%s: %q: %w", where, v, err)
	}
	return nil
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
	s := BuiltinSettings()
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
			if !isConnKey(k) {
				err = fmt.Errorf("%s: unknown key (known: %s)", key, knownKeys())
				break
			}
			err = s.set(key, k, v)
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

func knownKeys() string { return strings.Join(Keys(), ", ") }

// checkParams validates the streamx-related URL parameters in params:
// every streamx.* key must be known, and sizes and numbers well-formed.
// A service (provider) may set no connection bound, a reference no
// provider-only one.
func checkParams(where string, params map[string]string, provider bool) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key, v := where+"."+k, params[k]
		var err error
		bound := strings.TrimPrefix(k, ParamPrefix)
		switch {
		case k == ParamCompressMinBytes:
			_, err = ParseCompressMinBytes(key, v)
		case k == constant.MaxServerRecvMsgSize, k == constant.MaxServerSendMsgSize,
			k == constant.MaxCallRecvMsgSize, k == constant.MaxCallSendMsgSize:
			_, err = ParseSize(key, v)
		case strings.HasPrefix(k, ParamPrefix) && isConnKey(bound):
			err = checkConnParam(key, bound, v, provider)
		case strings.HasPrefix(k, ParamPrefix):
			err = fmt.Errorf("%s: unknown streamx parameter (known: %s)", key, knownParams())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkConnParam checks connection bound k as a service's (provider) or a
// reference's URL parameter named key.
func checkConnParam(key, k, v string, provider bool) error {
	switch {
	case provider:
		return fmt.Errorf("%s: %q: a connection bound cannot be set per service "+
			"(the connections of a port are shared by all its services); set %s under dubbo.custom.config-map.%s", key, v, k, Name)
	case ProviderOnly(k):
		return fmt.Errorf("%s: %q: %s bounds a provider's connections only; set it under dubbo.custom.config-map.%s of the provider", key, v, k, Name)
	}
	var scratch Settings
	return scratch.set(key, k, v)
}

func isConnKey(k string) bool { return slices.Contains(connKeys[:], k) }

// knownParams lists the streamx.* URL parameters.
func knownParams() string {
	ps := []string{ParamCompressMinBytes}
	for _, k := range connKeys {
		ps = append(ps, ParamPrefix+k)
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}
