package h2

import (
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// responseEncoder encodes a connection's response header and trailer
// blocks. It keeps the few blocks a provider sends over and over (a reply's
// headers, an OK status's trailers) and sends them again while the table
// is unchanged (see HeaderEncoder). A block's fields go out sorted
// by name, so that a map's order does not make the same fields another
// block. The connection's writer serialises its use.
type responseEncoder struct {
	*HeaderEncoder
	fields []hpack.HeaderField // the block being encoded
	kept   [4]keptBlock
	next   int // the kept block to replace
}

// keptBlock is an encoded block and what it holds.
type keptBlock struct {
	Kept
	status int
	fields []hpack.HeaderField
}

func newResponseEncoder() *responseEncoder {
	return &responseEncoder{HeaderEncoder: NewHeaderEncoder()}
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
		if lk == "trailer" || ConnectionSpecific(lk) {
			continue // the trailer declaration; not allowed in HTTP/2
		}
		for _, v := range vs {
			e.fields = append(e.fields, hpack.HeaderField{Name: lk, Value: v})
		}
	}
	// Stable: a name's values keep their order.
	slices.SortStableFunc(e.fields, func(a, b hpack.HeaderField) int { return strings.Compare(a.Name, b.Name) })
	e.Reset()
	for i := range e.kept {
		if k := &e.kept[i]; k.status == status && slices.Equal(k.fields, e.fields) && e.Reuse(&k.Kept) {
			return e.Bytes()
		}
	}
	gen := e.Gen()
	if status != 0 {
		e.Field(":status", statusText(status))
	}
	for _, f := range e.fields {
		e.Field(f.Name, f.Value)
	}
	if k := &e.kept[e.next]; e.Keep(&k.Kept, gen) {
		e.next = (e.next + 1) % len(e.kept)
		k.status, k.fields = status, append(k.fields[:0], e.fields...)
	}
	return e.Bytes()
}
