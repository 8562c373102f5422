package wire

import (
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/net/http2/hpack"
)

// Canon turns received HTTP/2 header fields into an http.Header. It
// remembers the canonical form of the names it has seen (up to 128), so
// that the names every call carries cost no allocation. One goroutine at a
// time (a connection's reader).
//
// The values of the transport headers every call repeats (content type,
// te, encodings, user agent) are shared values: one []string per value for
// the whole process, which every request's http.Header holds, so a
// long-lived stream keeps no copy of its own. Appending to such a value
// makes a copy, as for any http.Header value; assigning to its element
// would change every request's, and nothing does.
type Canon struct {
	names map[string]string
}

// Header returns fields as an http.Header with canonical keys; the values
// that are not shared share one allocation.
func (c *Canon) Header(fields []hpack.HeaderField) http.Header {
	h := make(http.Header, len(fields))
	var values []string
	for i, f := range fields {
		k := c.name(f.Name)
		if vs, ok := h[k]; ok {
			h[k] = append(vs, f.Value)
			continue
		}
		if sv := sharedFor(f.Name, f.Value); sv != nil {
			h[k] = sv.vals
			continue
		}
		if values == nil {
			values = make([]string, len(fields))
		}
		values[i] = f.Value
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

// sharedValue is a header value kept once for the process: as an
// http.Header value, and that boxed, as a dubbo-go attachment value.
type sharedValue struct {
	vals  []string
	boxed any
}

// maxShared bounds the shared values: a process sees a few content types
// and user agents; a peer sending many more gets copies of its own.
const maxShared = 64

var (
	// shared maps a value to its sharedValue. It is replaced, never
	// changed, so that readers need no lock; sharedMu orders writers.
	shared   atomic.Pointer[map[string]*sharedValue]
	sharedMu sync.Mutex
)

// sharesValues reports whether a header's values repeat on every call.
func sharesValues(lower string) bool {
	switch lower {
	case "content-type", "te", "grpc-accept-encoding", "grpc-encoding", "user-agent":
		return true
	}
	return false
}

// sharedFor returns the shared value of a field whose value repeats on
// every call, or nil.
func sharedFor(lower, v string) *sharedValue {
	if !sharesValues(lower) {
		return nil
	}
	if m := shared.Load(); m != nil {
		if sv := (*m)[v]; sv != nil {
			return sv
		}
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	old := shared.Load()
	var m map[string]*sharedValue
	if old != nil {
		if sv := (*old)[v]; sv != nil {
			return sv
		}
		if len(*old) >= maxShared {
			return nil
		}
		m = make(map[string]*sharedValue, len(*old)+1)
		for k, sv := range *old {
			m[k] = sv
		}
	} else {
		m = map[string]*sharedValue{}
	}
	vals := []string{v}
	sv := &sharedValue{vals: vals, boxed: vals}
	m[v] = sv
	shared.Store(&m)
	return sv
}

// Boxed returns v, the values of the header named lower, as an interface
// value. A shared value (from Canon) is boxed once for the process instead
// of once per request.
func Boxed(lower string, v []string) any {
	if len(v) == 1 && sharesValues(lower) {
		if m := shared.Load(); m != nil {
			if sv := (*m)[v[0]]; sv != nil && &sv.vals[0] == &v[0] {
				return sv.boxed
			}
		}
	}
	return v
}
