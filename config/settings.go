package config

import (
	"sort"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// Name is the key of the plugin's map under dubbo.custom.config-map.
const Name = settings.Name

// URL parameter names, as set in a service's or reference's params:.
const (
	// ParamCompressMinBytes is streamx's own parameter; the size limits are
	// dubbo-go's (constant.MaxServerRecvMsgSize, ...).
	ParamCompressMinBytes = settings.ParamCompressMinBytes
	// ParamPrefix starts every streamx parameter: a connection bound's is
	// ParamPrefix + its plugin-wide key ("streamx.max-frame-size").
	ParamPrefix = settings.ParamPrefix
	// ParamStack ("streamx") picks the stack in a protocol's, a service's
	// or a reference's params: true for streamx (the default), false for
	// dubbo-go's stock Triple; the service's or reference's wins over its
	// protocol's.
	ParamStack = settings.ParamStack
)

// Plugin-wide keys under dubbo.custom.config-map.streamx. Each is its URL
// parameter without the "streamx." prefix.
const (
	KeyCompressMinBytes     = settings.KeyCompressMinBytes
	KeyMaxServerRecvMsgSize = settings.KeyMaxServerRecvMsgSize // "max-server-recv-msg-size", dubbo-go's
	KeyMaxServerSendMsgSize = settings.KeyMaxServerSendMsgSize
	KeyMaxCallRecvMsgSize   = settings.KeyMaxCallRecvMsgSize
	KeyMaxCallSendMsgSize   = settings.KeyMaxCallSendMsgSize
)

// Plugin-wide keys of the HTTP/2 connection bounds (see ConnKeys).
const (
	KeyMaxConcurrentStreams  = settings.KeyMaxConcurrentStreams  // "max-concurrent-streams"
	KeyMaxFrameSize          = settings.KeyMaxFrameSize          // "max-frame-size"
	KeyMaxHeaderListSize     = settings.KeyMaxHeaderListSize     // "max-header-list-size"
	KeyMaxContinuationFrames = settings.KeyMaxContinuationFrames // "max-continuation-frames"
	KeyStreamWindow          = settings.KeyStreamWindow          // "stream-window"
	KeyConnWindow            = settings.KeyConnWindow            // "conn-window"
	KeyMaxResetsPerSecond    = settings.KeyMaxResetsPerSecond    // "max-resets-per-second"
	KeyMaxSettingsPerSecond  = settings.KeyMaxSettingsPerSecond  // "max-settings-per-second"
	KeyMinPingInterval       = settings.KeyMinPingInterval       // "min-ping-interval"
	KeyMaxPingStrikes        = settings.KeyMaxPingStrikes        // "max-ping-strikes"
	KeyKeepAliveInterval     = settings.KeyKeepAliveInterval     // "keep-alive-interval", dubbo-go's key
	KeyKeepAliveTimeout      = settings.KeyKeepAliveTimeout      // "keep-alive-timeout", dubbo-go's key
	KeyIdleTimeout           = settings.KeyIdleTimeout           // "idle-timeout"
	KeyWriteTimeout          = settings.KeyWriteTimeout          // "write-timeout"
)

// Built-in defaults; sizes are dubbo-go's.
const (
	DefaultCompressMinBytes = settings.DefaultCompressMinBytes // never compress
	DefaultMaxRecvMsgSize   = settings.DefaultMaxRecvMsgSize   // 4 MiB
	Unlimited               = settings.Unlimited               // no send limit
)

// Settings are streamx's plugin-wide transport settings. The message
// fields are resolved (the file's value or the built-in default); in the
// connection bounds, from MaxConcurrentStreams on, zero means streamx's
// default, given in each field's doc; the engine defines the defaults and
// ranges once, and WithDefaults returns them. The YAML keys and URL
// parameters are mapped onto the engine's limits by the same table that
// Set uses. Settings is comparable with ==.
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
func BuiltinSettings() Settings { return fromPlugin(settings.Builtin()) }

// Keys returns every plugin-wide key, sorted, in a new slice.
func Keys() []string { return settings.Keys() }

// Param returns the URL parameter that the plugin-wide key stands for
// ("streamx.max-frame-size" for "max-frame-size"; dubbo-go's own name for
// a message size limit), or "" for an unknown key.
func Param(key string) string { return settings.Param(key) }

// ConnKeys returns the plugin-wide keys of the HTTP/2 connection bounds,
// sorted, in a new slice. Each is also a reference's URL parameter with
// ParamPrefix; a service's is refused (a provider's connections are shared
// by every service on its port, so its bounds are plugin-wide only).
func ConnKeys() []string { return settings.ConnKeys() }

// ProviderOnly reports whether the connection bound key applies to
// providers only (a consumer follows the provider's).
func ProviderOnly(key string) bool { return settings.ProviderOnly(key) }

// ParseDuration parses a duration such as "30s" or "1m30s" for key; it
// must be > 0. Every duration streamx reads is parsed so.
func ParseDuration(key, v string) (time.Duration, error) { return settings.ParseDuration(key, v) }

// ParseCount parses an integer between 1 and 2^31 - 1 for key.
func ParseCount(key, v string) (int, error) { return settings.ParseCount(key, v) }

// ParseSize parses a size such as "4MiB", "512KB" or "1048576" for key.
// The result lies between 1 B and 2 GiB - 1.
func ParseSize(key, v string) (int, error) { return settings.ParseSize(key, v) }

// ParseCompressMinBytes parses an integer >= -1 for key.
func ParseCompressMinBytes(key, v string) (int, error) { return settings.ParseCompressMinBytes(key, v) }

// Set sets the connection bound named by name, a plugin-wide key
// ("max-frame-size") or its URL parameter ("streamx.max-frame-size"),
// from its text: a count, a size ("16KiB") or a duration ("30s"). The
// error names name and value, and a value out of range says the range;
// s is then unchanged.
func (s *Settings) Set(name, value string) error {
	p := s.plugin()
	if err := p.SetBound(name, value); err != nil {
		return err
	}
	*s = fromPlugin(p)
	return nil
}

// parseSettings reads the map under config-map.streamx. where names it in
// errors ("dubbo.custom.config-map.streamx").
func parseSettings(where string, raw any) (Settings, error) {
	p, err := settings.ParseMap(where, raw)
	return fromPlugin(p), err
}

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
		if err := settings.CheckParam(where+"."+k, k, params[k], provider); err != nil {
			return err
		}
	}
	return nil
}
