package streamx

import (
	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
)

// ProtocolName is the dubbo-go protocol this package serves. It replaces
// stock Triple under the same name, so URLs, registries and dubbo-python
// peers see an ordinary tri provider.
const ProtocolName = dubboext.ProtocolName

// The one registration: importing this package makes streamx serve tri.
func init() { dubboext.Register() }

// ParamCompressMinBytes is the URL parameter (a service's or reference's
// params:) for the smallest message gzip-compressed for a peer that accepts
// gzip; -1 (the default) never compresses. It and dubbo-go's size limits
// (max-server-recv-msg-size, max-server-send-msg-size,
// max-call-recv-msg-size, max-call-send-msg-size: "4MiB") can also be set
// plugin-wide under dubbo.custom.config-map.streamx (package config); a
// URL parameter wins. The HTTP/2 connection bounds (config.ConnKeys()) are
// set likewise: plugin-wide, or for one reference as streamx.<key>; a
// provider's only plugin-wide.
const ParamCompressMinBytes = config.ParamCompressMinBytes
