package settings

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// Built-in message defaults; sizes are dubbo-go's. The connection bounds'
// defaults are internal/h2's (h2.Default*).
const (
	DefaultCompressMinBytes = -1 // never compress
	DefaultMaxRecvMsgSize   = 4 << 20
	Unlimited               = -1 // no send limit
)

// Plugin are the plugin-wide settings, resolved: the message fields hold
// the file's value or the built-in default, and Limits the connection
// bounds, a zero field meaning h2's default. config.Settings is the
// public face of a Plugin; config converts one to the other. Plugin is
// comparable with ==.
type Plugin struct {
	CompressMinBytes     int
	MaxServerRecvMsgSize int
	MaxServerSendMsgSize int
	MaxCallRecvMsgSize   int
	MaxCallSendMsgSize   int
	Limits               h2.Limits
}

// Builtin returns the settings when nothing is configured.
func Builtin() Plugin {
	return Plugin{
		CompressMinBytes:     DefaultCompressMinBytes,
		MaxServerRecvMsgSize: DefaultMaxRecvMsgSize,
		MaxServerSendMsgSize: Unlimited,
		MaxCallRecvMsgSize:   DefaultMaxRecvMsgSize,
		MaxCallSendMsgSize:   Unlimited,
	}
}

// SetBound sets the connection bound named by name, a plugin-wide key
// ("max-frame-size") or its URL parameter ("streamx.max-frame-size"),
// from its text: a count, a size ("16KiB") or a duration ("30s"). The
// error names name and value, and a value out of range says the range.
func (p *Plugin) SetBound(name, value string) error {
	return p.setBound(name, strings.TrimPrefix(name, ParamPrefix), value)
}

// setBound sets connection bound k, the one table of which key sets which
// h2.Limits field; where names it in errors.
func (p *Plugin) setBound(where, k, v string) error {
	var (
		n   int
		d   time.Duration
		err error
	)
	size := func() { n, err = ParseSize(where, v) }
	count := func() { n, err = ParseCount(where, v) }
	dur := func() { d, err = ParseDuration(where, v) }
	l := &p.Limits
	switch k {
	case KeyMaxConcurrentStreams:
		if count(); err == nil {
			l.MaxConcurrentStreams = uint32(n)
		}
	case KeyMaxFrameSize:
		if size(); err == nil {
			l.MaxFrameSize = uint32(n)
		}
	case KeyMaxHeaderListSize:
		if size(); err == nil {
			l.MaxHeaderListSize = uint32(n)
		}
	case KeyMaxContinuationFrames:
		if count(); err == nil {
			l.MaxContinuations = n
		}
	case KeyStreamWindow:
		if size(); err == nil {
			l.StreamWindow = int32(n)
		}
	case KeyConnWindow:
		if size(); err == nil {
			l.ConnWindow = int32(n)
		}
	case KeyMaxResetsPerSecond:
		if count(); err == nil {
			l.MaxResetsPerSecond = n
		}
	case KeyMaxSettingsPerSecond:
		if count(); err == nil {
			l.MaxSettingsPerSecond = n
		}
	case KeyMaxPingStrikes:
		if count(); err == nil {
			l.MaxPingStrikes = n
		}
	case KeyMinPingInterval:
		if dur(); err == nil {
			l.MinPingInterval = d
		}
	case KeyKeepAliveInterval:
		if dur(); err == nil {
			l.KeepaliveInterval = d
		}
	case KeyKeepAliveTimeout:
		if dur(); err == nil {
			l.KeepaliveTimeout = d
		}
	case KeyIdleTimeout:
		if dur(); err == nil {
			l.IdleTimeout = d
		}
	case KeyWriteTimeout:
		if dur(); err == nil {
			l.WriteTimeout = d
		}
	default:
		return fmt.Errorf("%s: not a connection bound (known: %s)", where, strings.Join(connKeys[:], ", "))
	}
	if err != nil {
		return err
	}
	// Every other field was checked when set: an error is this one's.
	if err := l.Validate(); err != nil {
		return fmt.Errorf("%s: %q: %w", where, v, err)
	}
	return nil
}

// ParseMap reads the map under config-map.streamx. where names it in
// errors ("dubbo.custom.config-map.streamx"); the first error, in key
// order, is returned with the settings read so far.
func ParseMap(where string, raw any) (Plugin, error) {
	p := Builtin()
	if raw == nil {
		return p, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return p, fmt.Errorf("%s: want a map of settings, got %v", where, raw)
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
			return p, err
		}
		switch k {
		case KeyCompressMinBytes:
			p.CompressMinBytes, err = ParseCompressMinBytes(key, v)
		case KeyMaxServerRecvMsgSize:
			p.MaxServerRecvMsgSize, err = ParseSize(key, v)
		case KeyMaxServerSendMsgSize:
			p.MaxServerSendMsgSize, err = ParseSize(key, v)
		case KeyMaxCallRecvMsgSize:
			p.MaxCallRecvMsgSize, err = ParseSize(key, v)
		case KeyMaxCallSendMsgSize:
			p.MaxCallSendMsgSize, err = ParseSize(key, v)
		default:
			if !IsConnKey(k) {
				err = fmt.Errorf("%s: unknown key (known: %s)", key, KnownKeys())
				break
			}
			err = p.setBound(key, k, v)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
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

// CheckParam checks the URL parameter k=v of a service (provider true) or
// a reference; key names it in errors. The streamx parameter must be true
// or false, every streamx.* parameter known and well-formed, and the sizes
// dubbo-go names well-formed; a
// service may set no connection bound (a port's connections are shared by
// all its services), a reference no provider-only one. Other parameters
// are not streamx's and pass.
func CheckParam(key, k, v string, provider bool) error {
	bound := strings.TrimPrefix(k, ParamPrefix)
	switch {
	case k == ParamStack:
		_, err := ParseStack(key, v)
		return err
	case k == ParamCompressMinBytes:
		_, err := ParseCompressMinBytes(key, v)
		return err
	case k == KeyMaxServerRecvMsgSize, k == KeyMaxServerSendMsgSize,
		k == KeyMaxCallRecvMsgSize, k == KeyMaxCallSendMsgSize:
		_, err := ParseSize(key, v)
		return err
	case strings.HasPrefix(k, ParamPrefix) && IsConnKey(bound):
		return checkBound(key, bound, v, provider)
	case strings.HasPrefix(k, ParamPrefix):
		return fmt.Errorf("%s: unknown streamx parameter (known: %s)", key, KnownParams())
	}
	return nil
}

// checkBound checks connection bound k as a service's (provider) or a
// reference's URL parameter named key.
func checkBound(key, k, v string, provider bool) error {
	switch {
	case provider:
		return fmt.Errorf("%s: %q: a connection bound cannot be set per service "+
			"(the connections of a port are shared by all its services); set %s under dubbo.custom.config-map.%s", key, v, k, Name)
	case ProviderOnly(k):
		return fmt.Errorf("%s: %q: %s bounds a provider's connections only; set it under dubbo.custom.config-map.%s of the provider", key, v, k, Name)
	}
	var scratch Plugin
	return scratch.setBound(key, k, v)
}
