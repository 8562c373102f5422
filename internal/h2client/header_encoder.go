package h2client

import (
	"bytes"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// headerEncoder encodes a connection's request header blocks. A block
// whose fields all went out as indexes into the encoder's table encodes
// to the same bytes as long as the table does not change, so the start of
// a block (pseudo fields, the shared field list, the timeout) is kept by
// path and sent again as it is: hpack's table searches were 5% of a unary
// caller's CPU. Any field that was not sent as an index may have changed
// the table, and so does a new table size: both make the kept blocks
// stale. The connection's writer serialises its use.
type headerEncoder struct {
	enc    *hpack.Encoder
	buf    bytes.Buffer
	gen    uint64 // the table's generation: bumped when it may have changed
	blocks map[string]*encodedBlock
}

// encodedBlock is the start of a block for one path.
type encodedBlock struct {
	gen     uint64
	fields  []hpack.HeaderField // the shared list it was made with
	timeout string
	b       []byte
}

// maxEncodedBlocks bounds the paths a connection keeps blocks for.
const maxEncodedBlocks = 64

func newHeaderEncoder() *headerEncoder {
	e := &headerEncoder{blocks: make(map[string]*encodedBlock)}
	e.enc = hpack.NewEncoder(&e.buf)
	return e
}

// setTableSize applies the peer's SETTINGS_HEADER_TABLE_SIZE.
func (e *headerEncoder) setTableSize(n uint32) {
	e.enc.SetMaxDynamicTableSize(n)
	e.gen++
}

// encode returns the header block of a request; it is valid until the
// next call.
func (e *headerEncoder) encode(scheme, authority, path string, h Header) []byte {
	e.buf.Reset()
	if b := e.blocks[path]; b != nil && b.gen == e.gen && b.timeout == h.Timeout && sameList(b.fields, h.Fields) {
		e.buf.Write(b.b)
	} else {
		// Every field is written: no short circuit.
		indexed := e.field(":method", "POST")
		indexed = e.field(":scheme", scheme) && indexed
		indexed = e.field(":authority", authority) && indexed
		indexed = e.field(":path", path) && indexed
		for _, f := range h.Fields {
			indexed = e.field(f.Name, f.Value) && indexed
		}
		if h.Timeout != "" {
			indexed = e.field("grpc-timeout", h.Timeout) && indexed
		}
		switch {
		case !indexed:
			e.gen++
		case b != nil:
			b.gen, b.fields, b.timeout, b.b = e.gen, h.Fields, h.Timeout, append(b.b[:0], e.buf.Bytes()...)
		case len(e.blocks) < maxEncodedBlocks:
			e.blocks[path] = &encodedBlock{gen: e.gen, fields: h.Fields, timeout: h.Timeout, b: bytes.Clone(e.buf.Bytes())}
		}
	}
	for k, vs := range h.Extra {
		lk := wire.Lower(k)
		switch lk {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host":
			continue // connection-specific: not allowed in HTTP/2
		}
		for _, v := range vs {
			if !e.field(lk, v) {
				e.gen++
			}
		}
	}
	return e.buf.Bytes()
}

// field encodes one field and reports whether it went out as an index
// (the table unchanged).
func (e *headerEncoder) field(name, value string) bool {
	n := e.buf.Len()
	_ = e.enc.WriteField(hpack.HeaderField{Name: name, Value: value})
	return e.buf.Bytes()[n]&0x80 != 0 // RFC 7541 6.1: an indexed field
}

// sameList reports whether a and b are the same shared list.
func sameList(a, b []hpack.HeaderField) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
