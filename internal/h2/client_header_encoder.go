package h2

import (
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// headerEncoder encodes a connection's request header blocks, keeping the
// start of a block (pseudo fields, the shared field list, the timeout) by
// path to send again while the table is unchanged (see
// HeaderEncoder). The connection's writer serialises its use.
type headerEncoder struct {
	*HeaderEncoder
	blocks map[string]*encodedBlock
}

// encodedBlock is the start of a block for one path, and what it holds
// besides the path.
type encodedBlock struct {
	Kept
	fields  []hpack.HeaderField // the shared list it was made with
	timeout string
}

// maxEncodedBlocks bounds the paths a connection keeps blocks for.
const maxEncodedBlocks = 64

func newHeaderEncoder() *headerEncoder {
	return &headerEncoder{HeaderEncoder: NewHeaderEncoder(), blocks: make(map[string]*encodedBlock)}
}

// encode returns the header block of a request; it is valid until the
// next call.
func (e *headerEncoder) encode(scheme, authority, path string, h Header) []byte {
	e.Reset()
	b := e.blocks[path]
	if b == nil || b.timeout != h.Timeout || !sameList(b.fields, h.Fields) || !e.Reuse(&b.Kept) {
		gen := e.Gen()
		e.Field(":method", "POST")
		e.Field(":scheme", scheme)
		e.Field(":authority", authority)
		e.Field(":path", path)
		for _, f := range h.Fields {
			e.Field(f.Name, f.Value)
		}
		if h.Timeout != "" {
			e.Field("grpc-timeout", h.Timeout)
		}
		if b == nil && len(e.blocks) < maxEncodedBlocks {
			b = &encodedBlock{}
			e.blocks[path] = b
		}
		if b != nil && e.Keep(&b.Kept, gen) {
			b.fields, b.timeout = h.Fields, h.Timeout
		}
	}
	for k, vs := range h.Extra {
		lk := wire.Lower(k)
		if lk == "host" || ConnectionSpecific(lk) {
			continue // :authority says it; not allowed in HTTP/2
		}
		for _, v := range vs {
			e.Field(lk, v)
		}
	}
	return e.Bytes()
}

// sameList reports whether a and b are the same shared list.
func sameList(a, b []hpack.HeaderField) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
