package settings

import (
	"slices"
	"sort"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
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
	// ParamStack picks the stack that serves a protocol's or a service's
	// calls, or makes a reference's: "true" for streamx, "false" for
	// dubbo-go's stock Triple (see ParseStack). It is set in a protocol's,
	// a service's or a reference's params:, the latter two winning over
	// the protocol's.
	ParamStack = Name
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
	case IsConnKey(key):
		return ParamPrefix + key
	}
	return ""
}

// ConnKeys returns the plugin-wide keys of the HTTP/2 connection bounds,
// sorted, in a new slice.
func ConnKeys() []string { return slices.Clone(connKeys[:]) }

// IsConnKey reports whether k is a connection bound's plugin-wide key.
func IsConnKey(k string) bool { return slices.Contains(connKeys[:], k) }

// ProviderOnly reports whether the connection bound key applies to
// providers only (a consumer follows the provider's).
func ProviderOnly(key string) bool {
	return key == KeyMaxConcurrentStreams || key == KeyIdleTimeout
}

// KnownKeys lists the plugin-wide keys for error messages.
func KnownKeys() string { return strings.Join(Keys(), ", ") }

// KnownParams lists the streamx.* URL parameters for error messages.
func KnownParams() string {
	ps := []string{ParamCompressMinBytes}
	for _, k := range connKeys {
		ps = append(ps, ParamPrefix+k)
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}
