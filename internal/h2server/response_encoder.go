package h2server

import (
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// responseEncoder encodes a connection's response header and trailer
// blocks. It keeps the few blocks a provider sends over and over (a reply's
// headers, an OK status's trailers) and sends them again while the table
// is unchanged (see h2conn.HeaderEncoder): HPACK's table searches were 4%
// of a provider's CPU with 32 unary callers. A block's fields go out
// sorted by name, so that a map's order does not make the same fields
// another block. The connection's writer serialises its use.
type responseEncoder struct {
	*h2conn.HeaderEncoder
	fields []hpack.HeaderField // the block being encoded
	kept   [4]keptBlock
	next   int // the kept block to replace
}

// keptBlock is an encoded block and what it holds.
type keptBlock struct {
	gen    uint64
	status int
	fields []hpack.HeaderField
	b      []byte
}

// maxKeptBlock bounds the size of a block worth keeping.
const maxKeptBlock = 256

func newResponseEncoder() *responseEncoder {
	return &responseEncoder{HeaderEncoder: h2conn.NewHeaderEncoder()}
}

// encode returns the block of status (0: trailers) and the fields of h
// that name sends, under the names it gives (all of h for a nil name); it
// is valid until the next call.
func (e *responseEncoder) encode(status int, h http.Header, name func(string) (string, bool)) []byte {
	e.fields = e.fields[:0]
	for k, vs := range h {
		if name != nil {
			var ok bool
			if k, ok = name(k); !ok {
				continue
			}
		}
		lk := wire.Lower(k)
		switch lk {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "trailer":
			continue // connection-specific (not allowed in HTTP/2), or the trailer declaration
		}
		for _, v := range vs {
			e.fields = append(e.fields, hpack.HeaderField{Name: lk, Value: v})
		}
	}
	// Stable: a name's values keep their order.
	slices.SortStableFunc(e.fields, func(a, b hpack.HeaderField) int { return strings.Compare(a.Name, b.Name) })
	e.Reset()
	gen := e.Gen()
	for i := range e.kept {
		if k := &e.kept[i]; k.b != nil && k.gen == gen && k.status == status && slices.Equal(k.fields, e.fields) {
			e.Append(k.b)
			return e.Bytes()
		}
	}
	if status != 0 {
		e.Field(":status", statusText(status))
	}
	for _, f := range e.fields {
		e.Field(f.Name, f.Value)
	}
	if e.Gen() == gen && len(e.Bytes()) <= maxKeptBlock {
		k := &e.kept[e.next]
		e.next = (e.next + 1) % len(e.kept)
		k.gen, k.status = gen, status
		k.fields = append(k.fields[:0], e.fields...)
		k.b = append(k.b[:0], e.Bytes()...)
	}
	return e.Bytes()
}
