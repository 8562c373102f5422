package streamx

import (
	"crypto/tls"
	"fmt"
	"strconv"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"

	"github.com/dustin/go-humanize"

	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// URL parameters of this protocol, besides dubbo-go's own size limits
// (max-server-recv-msg-size, max-server-send-msg-size,
// max-call-recv-msg-size, max-call-send-msg-size, in humanize form: "4MiB").
const (
	// ParamCompressMinBytes is the smallest message gzip-compressed for a
	// peer that accepts gzip; -1 (the default) never compresses.
	ParamCompressMinBytes = "streamx.compress-min-bytes"
)

// serverSettings reads the provider's transport settings from its URL.
func serverSettings(url *common.URL) (transport.Settings, error) {
	s := transport.Defaults
	s.MaxRecvBytes = constant.DefaultMaxServerRecvMsgSize
	var recv, send string
	if tc, ok := url.GetAttribute(constant.TripleConfigKey); ok {
		if c, ok := tc.(*global.TripleConfig); ok && c != nil {
			recv, send = c.MaxServerRecvMsgSize, c.MaxServerSendMsgSize
		}
	}
	if v := url.GetParam(constant.MaxServerRecvMsgSize, ""); v != "" {
		recv = v
	}
	if v := url.GetParam(constant.MaxServerSendMsgSize, ""); v != "" {
		send = v
	}
	var err error
	if s.MaxRecvBytes, err = sizeParam(constant.MaxServerRecvMsgSize, recv, s.MaxRecvBytes); err != nil {
		return s, err
	}
	if s.MaxSendBytes, err = sizeParam(constant.MaxServerSendMsgSize, send, s.MaxSendBytes); err != nil {
		return s, err
	}
	if s.CompressMinBytes, err = intParam(url, ParamCompressMinBytes, s.CompressMinBytes); err != nil {
		return s, err
	}
	return s, nil
}

// clientSettings reads the consumer's transport settings from its URL.
func clientSettings(url *common.URL) (transport.Settings, error) {
	s := transport.Defaults
	s.MaxRecvBytes = constant.DefaultMaxCallRecvMsgSize
	var err error
	if s.MaxRecvBytes, err = sizeParam(constant.MaxCallRecvMsgSize, url.GetParam(constant.MaxCallRecvMsgSize, ""), s.MaxRecvBytes); err != nil {
		return s, err
	}
	if s.MaxSendBytes, err = sizeParam(constant.MaxCallSendMsgSize, url.GetParam(constant.MaxCallSendMsgSize, ""), s.MaxSendBytes); err != nil {
		return s, err
	}
	if s.CompressMinBytes, err = intParam(url, ParamCompressMinBytes, s.CompressMinBytes); err != nil {
		return s, err
	}
	return s, nil
}

func sizeParam(key, v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := humanize.ParseBytes(v)
	if err != nil || n == 0 || n > 1<<31-1 {
		return 0, fmt.Errorf("streamx: %s: %q is not a size between 1B and 2GiB (e.g. \"4MiB\")", key, v)
	}
	return int(n), nil
}

func intParam(url *common.URL, key string, def int) (int, error) {
	v := url.GetParam(key, "")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < -1 {
		return 0, fmt.Errorf("streamx: %s: %q is not an integer >= -1", key, v)
	}
	return n, nil
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
