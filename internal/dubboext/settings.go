package dubboext

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// serverSettings reads the provider's transport settings: plugin-wide
// values, then the protocol's triple settings, then the URL. The URL is the
// first service's on the endpoint, whose connections every service there
// shares: a connection bound on it is an error, they are plugin-wide only.
func serverSettings(url *common.URL) (transport.Settings, error) {
	d, err := settings.Defaults()
	if err != nil {
		return transport.Settings{}, err
	}
	s := transport.Settings{MaxRecvBytes: d.MaxServerRecvMsgSize, MaxSendBytes: d.MaxServerSendMsgSize, CompressMinBytes: d.CompressMinBytes}
	for _, k := range settings.ConnKeys() {
		if p := settings.ParamPrefix + k; url.GetParam(p, "") != "" {
			return s, fmt.Errorf("streamx: %s=%q on %s: a connection bound cannot be set per service "+
				"(the connections of a port are shared by all its services); set %s under dubbo.custom.config-map.%s",
				p, url.GetParam(p, ""), url.ServiceKey(), k, settings.Name)
		}
	}
	var recv, send string
	tc := tripleConfig(url)
	if tc != nil {
		recv, send = tc.MaxServerRecvMsgSize, tc.MaxServerSendMsgSize
	}
	// The protocol's keep-alive-* (dubbo-go's keys) win over plugin-wide.
	for _, ka := range []struct {
		v   *time.Duration
		key string
	}{{&d.Limits.KeepaliveInterval, settings.KeyKeepAliveInterval}, {&d.Limits.KeepaliveTimeout, settings.KeyKeepAliveTimeout}} {
		if *ka.v, err = keepAlive(*ka.v, source{"triple." + ka.key, tripleValue(tc, ka.key)}); err != nil {
			return s, err
		}
	}
	if s.H2, err = limits(d); err != nil {
		return s, err
	}
	return s, applyParams(url, &s, constant.MaxServerRecvMsgSize, constant.MaxServerSendMsgSize, recv, send)
}

// clientSettings reads the consumer's transport settings: plugin-wide
// values, then the URL. keep-alive-interval and keep-alive-timeout are
// resolved as described at keepAlive.
func clientSettings(url *common.URL) (transport.Settings, error) {
	d, err := settings.Defaults()
	if err != nil {
		return transport.Settings{}, err
	}
	s := transport.Settings{MaxRecvBytes: d.MaxCallRecvMsgSize, MaxSendBytes: d.MaxCallSendMsgSize, CompressMinBytes: d.CompressMinBytes}
	for _, k := range settings.ConnKeys() {
		p := settings.ParamPrefix + k
		v := url.GetParam(p, "")
		switch {
		case v == "" || k == settings.KeyKeepAliveInterval || k == settings.KeyKeepAliveTimeout:
		case settings.ProviderOnly(k):
			return s, fmt.Errorf("streamx: %s=%q on reference %s: %s bounds a provider's connections only; set it under dubbo.custom.config-map.%s of the provider",
				p, v, url.ServiceKey(), k, settings.Name)
		default:
			if err := d.SetBound(p, v); err != nil {
				return s, fmt.Errorf("streamx: %w", err)
			}
		}
	}
	tc := tripleConfig(url)
	for _, ka := range []struct {
		v   *time.Duration
		key string
	}{{&d.Limits.KeepaliveInterval, settings.KeyKeepAliveInterval}, {&d.Limits.KeepaliveTimeout, settings.KeyKeepAliveTimeout}} {
		if *ka.v, err = keepAlive(*ka.v,
			source{ka.key, url.GetParam(ka.key, "")},
			source{"triple." + ka.key, tripleValue(tc, ka.key)},
			source{settings.ParamPrefix + ka.key, url.GetParam(settings.ParamPrefix+ka.key, "")}); err != nil {
			return s, err
		}
	}
	if s.H2, err = limits(d); err != nil {
		return s, err
	}
	return s, applyParams(url, &s, constant.MaxCallRecvMsgSize, constant.MaxCallSendMsgSize, "", "")
}

// source is one place a setting may come from: its name for errors and
// its text ("" when unset there).
type source struct{ name, value string }

// keepAlive resolves keep-alive-interval or keep-alive-timeout from its
// sources, lowest precedence first; the plugin-wide value (zero: streamx's
// default) applies when all are unset. On the consumer the sources are, as
// in stock Triple's client (genKeepAliveOptions), the reference's URL
// parameter (set by the reference's own keep-alive-* keys), then the
// triple config on the URL (the reference's protocol_config.triple, which
// wins over the URL parameter in stock Triple too); above both comes
// streamx's own streamx.keep-alive-* in the reference's params:. On the
// provider the protocol's triple config is the only source. Every value
// set must be a duration > 0: stock Triple falls back to 3s on a bad URL
// value, streamx fails naming it.
func keepAlive(plugin time.Duration, sources ...source) (time.Duration, error) {
	d := plugin
	for _, src := range sources {
		if src.value == "" {
			continue
		}
		var err error
		if d, err = settings.ParseDuration(src.name, src.value); err != nil {
			return 0, fmt.Errorf("streamx: %w", err)
		}
	}
	return d, nil
}

func tripleConfig(url *common.URL) *global.TripleConfig {
	if raw, ok := url.GetAttribute(constant.TripleConfigKey); ok {
		if c, ok := raw.(*global.TripleConfig); ok {
			return c
		}
	}
	return nil
}

func tripleValue(tc *global.TripleConfig, key string) string {
	switch {
	case tc == nil:
		return ""
	case key == settings.KeyKeepAliveInterval:
		return strings.TrimSpace(tc.KeepAliveInterval)
	default:
		return strings.TrimSpace(tc.KeepAliveTimeout)
	}
}

// limits returns d's connection bounds (zero: the default) after checking
// their ranges.
func limits(d settings.Plugin) (h2.Limits, error) {
	if err := d.Limits.Validate(); err != nil {
		return d.Limits, fmt.Errorf("streamx: connection bounds: %w", err)
	}
	return d.Limits, nil
}

// applyParams overrides s with the URL's size and compression parameters
// (recv and send, if not empty, come first: the URL still wins).
func applyParams(url *common.URL, s *transport.Settings, recvKey, sendKey, recv, send string) error {
	if v := url.GetParam(recvKey, ""); v != "" {
		recv = v
	}
	if v := url.GetParam(sendKey, ""); v != "" {
		send = v
	}
	var err error
	if recv != "" {
		if s.MaxRecvBytes, err = settings.ParseSize(recvKey, recv); err != nil {
			return fmt.Errorf("streamx: %w", err)
		}
	}
	if send != "" {
		if s.MaxSendBytes, err = settings.ParseSize(sendKey, send); err != nil {
			return fmt.Errorf("streamx: %w", err)
		}
	}
	if v := url.GetParam(settings.ParamCompressMinBytes, ""); v != "" {
		if s.CompressMinBytes, err = settings.ParseCompressMinBytes(settings.ParamCompressMinBytes, v); err != nil {
			return fmt.Errorf("streamx: %w", err)
		}
	}
	return nil
}

// tlsFromURL builds a TLS config from dubbo-go's TLS settings on the URL
// (nil when there are none, or they are not valid for this side).
func tlsFromURL(url *common.URL, valid func(*global.TLSConfig) bool, build func(*global.TLSConfig) (*tls.Config, error)) (*tls.Config, error) {
	raw, ok := url.GetAttribute(constant.TLSConfigKey)
	if !ok {
		return nil, nil
	}
	conf, ok := raw.(*global.TLSConfig)
	if !ok || !valid(conf) {
		return nil, nil
	}
	tc, err := build(conf)
	if err != nil {
		return nil, fmt.Errorf("streamx: TLS settings for %s: %w", url.Location, err)
	}
	return tc, nil
}
