package h2

import (
	"bytes"

	"golang.org/x/net/http2/hpack"
)

// HeaderEncoder is a connection's HPACK encoder that knows when its table
// may have changed. A block whose fields all went out as indexes into the
// table encodes to the same bytes for as long as the table stays as it
// is, so a connection can keep such blocks (Keep) and send them again
// (Reuse) instead of encoding them field by field, which showed in both a
// unary caller's and a provider's profile. The
// table's generation moves on whenever a field was not sent as an index
// (it may have entered the table and moved the others) and when the
// table's size changes: blocks kept under another generation are stale.
// One goroutine at a time: the connection's writer.
type HeaderEncoder struct {
	enc *hpack.Encoder
	buf bytes.Buffer
	gen uint64
}

// NewHeaderEncoder returns an encoder with HPACK's default table size.
func NewHeaderEncoder() *HeaderEncoder {
	e := &HeaderEncoder{}
	e.enc = hpack.NewEncoder(&e.buf)
	return e
}

// Gen is the table's generation: take it before encoding a block to keep.
func (e *HeaderEncoder) Gen() uint64 { return e.gen }

// Kept is a block, or the start of one, kept to be sent again.
type Kept struct {
	gen uint64
	b   []byte
}

// maxKept bounds the size of a kept block. A block worth keeping is all
// indexes, a byte or two per field, so this only turns away blocks with
// very many fields.
const maxKept = 256

// Keep keeps the block encoded so far in k, unless a field of it changed
// the table since gen (taken with Gen before it was encoded), or it is
// over maxKept. It reports whether it did.
func (e *HeaderEncoder) Keep(k *Kept, gen uint64) bool {
	if e.gen != gen || e.buf.Len() > maxKept {
		return false
	}
	k.gen, k.b = gen, append(k.b[:0], e.buf.Bytes()...)
	return true
}

// Reuse appends k's block if the table has not changed since it was
// kept, and reports whether it did.
func (e *HeaderEncoder) Reuse(k *Kept) bool {
	if k.b == nil || k.gen != e.gen {
		return false
	}
	e.buf.Write(k.b)
	return true
}

// SetTableSize applies the peer's SETTINGS_HEADER_TABLE_SIZE.
func (e *HeaderEncoder) SetTableSize(n uint32) {
	e.enc.SetMaxDynamicTableSize(n)
	e.gen++
}

// Reset starts a block.
func (e *HeaderEncoder) Reset() { e.buf.Reset() }

// Field appends one field to the block. Unless it went out as an index,
// the table's generation moves on.
func (e *HeaderEncoder) Field(name, value string) {
	n := e.buf.Len()
	_ = e.enc.WriteField(hpack.HeaderField{Name: name, Value: value})
	if e.buf.Bytes()[n]&0x80 == 0 { // RFC 7541 6.1: not an indexed field
		e.gen++
	}
}

// Bytes returns the block so far, valid until the next Reset.
func (e *HeaderEncoder) Bytes() []byte { return e.buf.Bytes() }

// ConnectionSpecific reports whether a header (lower-case name) belongs to
// an HTTP/1 connection: HTTP/2 does not allow it (RFC 9113 8.2.2), so
// encoders drop it.
func ConnectionSpecific(lower string) bool {
	switch lower {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		return true
	}
	return false
}
