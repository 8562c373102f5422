package h2test

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// RawBlock reads until the first HEADERS frame on stream id, within the
// given time, and returns its header block undecoded (CONTINUATIONs
// joined). It turns the Peer's own decoding off for good: the blocks that
// follow are not decoded either, and the Peer's HPACK decoder no longer
// follows the other side's table. For a test about how the other side
// encodes, from the connection's first block on.
func (p *Peer) RawBlock(id uint32, within time.Duration) []byte {
	p.T.Helper()
	p.Fr.ReadMetaHeaders = nil
	var block []byte
	f, tr := p.ReadUntil(within, func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.HeadersFrame:
			if f.StreamID != id {
				return false
			}
			block = append(block, f.HeaderBlockFragment()...)
			return f.HeadersEnded()
		case *http2.ContinuationFrame:
			if block == nil {
				return false
			}
			block = append(block, f.HeaderBlockFragment()...)
			return f.HeadersEnded()
		case *http2.GoAwayFrame:
			return true
		}
		return false
	})
	if _, ok := f.(*http2.GoAwayFrame); ok || f == nil {
		p.T.Fatalf("want a header block on stream %d within %v; got %s", id, within, tr)
	}
	return block
}

// SizeUpdates returns the dynamic table size updates (RFC 7541 6.3) a
// header block starts with, in order, and decodes the whole block with a
// decoder whose table may grow to limit, so that a block the updates
// break fails here. It returns the block's fields too.
func SizeUpdates(block []byte, limit uint32) ([]uint32, []hpack.HeaderField, error) {
	var sizes []uint32
	rest := block
	for len(rest) > 0 && rest[0]&0xe0 == 0x20 {
		v, n, err := hpackInt(rest, 5)
		if err != nil {
			return sizes, nil, err
		}
		sizes = append(sizes, v)
		rest = rest[n:]
	}
	// limit is the SETTINGS_HEADER_TABLE_SIZE the other side was sent:
	// updates may ask for up to it.
	dec := hpack.NewDecoder(limit, nil)
	fields, err := dec.DecodeFull(block)
	if err != nil {
		return sizes, nil, fmt.Errorf("decoding the block: %v", err)
	}
	return sizes, fields, nil
}

// hpackInt reads an integer with an n-bit prefix (RFC 7541 5.1) from the
// start of b, returning it and the bytes it took.
func hpackInt(b []byte, n uint) (uint32, int, error) {
	mask := byte(1<<n - 1)
	v := uint64(b[0] & mask)
	if v < uint64(mask) {
		return uint32(v), 1, nil
	}
	for i, m := 1, uint(0); i < len(b) && m <= 28; i, m = i+1, m+7 {
		v += uint64(b[i]&0x7f) << m
		if b[i]&0x80 == 0 {
			if v > 1<<32-1 {
				break
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, errors.New("bad HPACK integer")
}
