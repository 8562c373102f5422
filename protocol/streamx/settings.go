package streamx

import (
	"crypto/tls"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// ParamCompressMinBytes is the URL parameter (a service's or reference's
// params:) for the smallest message gzip-compressed for a peer that accepts
// gzip; -1 (the default) never compresses. It and dubbo-go's size limits
// (max-server-recv-msg-size, max-server-send-msg-size,
// max-call-recv-msg-size, max-call-send-msg-size: "4MiB") can also be set
// plugin-wide under dubbo.custom.config-map.streamx (package config); a
// URL parameter wins.
const ParamCompressMinBytes = config.ParamCompressMinBytes

// serverSettings reads the provider's transport settings: plugin-wide
// values, then the protocol's triple settings, then the URL.
func serverSettings(url *common.URL) (transport.Settings, error) {
	d, err := config.Defaults()
	if err != nil {
		return transport.Settings{}, err
	}
	s := transport.Settings{MaxRecvBytes: d.MaxServerRecvMsgSize, MaxSendBytes: d.MaxServerSendMsgSize, CompressMinBytes: d.CompressMinBytes}
	var recv, send string
	if tc, ok := url.GetAttribute(constant.TripleConfigKey); ok {
		if c, ok := tc.(*global.TripleConfig); ok && c != nil {
			recv, send = c.MaxServerRecvMsgSize, c.MaxServerSendMsgSize
		}
	}
	return s, applyParams(url, &s, constant.MaxServerRecvMsgSize, constant.MaxServerSendMsgSize, recv, send)
}

// clientSettings reads the consumer's transport settings: plugin-wide
// values, then the URL.
func clientSettings(url *common.URL) (transport.Settings, error) {
	d, err := config.Defaults()
	if err != nil {
		return transport.Settings{}, err
	}
	s := transport.Settings{MaxRecvBytes: d.MaxCallRecvMsgSize, MaxSendBytes: d.MaxCallSendMsgSize, CompressMinBytes: d.CompressMinBytes}
	return s, applyParams(url, &s, constant.MaxCallRecvMsgSize, constant.MaxCallSendMsgSize, "", "")
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
		if s.MaxRecvBytes, err = config.ParseSize(recvKey, recv); err != nil {
			return fmt.Errorf("streamx: %w", err)
		}
	}
	if send != "" {
		if s.MaxSendBytes, err = config.ParseSize(sendKey, send); err != nil {
			return fmt.Errorf("streamx: %w", err)
		}
	}
	if v := url.GetParam(ParamCompressMinBytes, ""); v != "" {
		if s.CompressMinBytes, err = config.ParseCompressMinBytes(ParamCompressMinBytes, v); err != nil {
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
