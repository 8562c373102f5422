package wire

import (
	"net/http"

	"golang.org/x/net/http2/hpack"
)

// Canon turns received HTTP/2 header fields into an http.Header. It
// remembers the canonical form of the names it has seen (up to 128), so
// that the names every call carries cost no allocation, and shares the
// values of the headers every call repeats (content type, te, encodings,
// user agent; up to 64), so that a long-lived stream does not keep its
// own copies. One goroutine at a time (a connection's reader).
type Canon struct {
	names  map[string]string
	values map[string]string
}

// Header returns fields as an http.Header with canonical keys; all the
// values share one allocation.
func (c *Canon) Header(fields []hpack.HeaderField) http.Header {
	h := make(http.Header, len(fields))
	values := make([]string, len(fields))
	for i, f := range fields {
		k := c.name(f.Name)
		if vs, ok := h[k]; ok {
			h[k] = append(vs, f.Value)
			continue
		}
		values[i] = c.value(f.Name, f.Value)
		h[k] = values[i : i+1 : i+1]
	}
	return h
}

func (c *Canon) name(lower string) string {
	if k, ok := c.names[lower]; ok {
		return k
	}
	k := http.CanonicalHeaderKey(lower)
	if c.names == nil {
		c.names = map[string]string{}
	}
	if len(c.names) < 128 {
		c.names[lower] = k
	}
	return k
}

// value returns v, or an equal string kept from an earlier call for the
// names whose values are the same on every call.
func (c *Canon) value(lower, v string) string {
	switch lower {
	case "content-type", "te", "grpc-accept-encoding", "grpc-encoding", "user-agent":
	default:
		return v
	}
	if kept, ok := c.values[v]; ok {
		return kept
	}
	if c.values == nil {
		c.values = map[string]string{}
	}
	if len(c.values) < 64 {
		c.values[v] = v
	}
	return v
}
