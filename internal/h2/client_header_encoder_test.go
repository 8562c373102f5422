package h2

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// Blocks decoded in order by a peer's decoder always carry the request's
// own fields, whatever reuse of kept blocks the encoder does in between:
// repeats, other paths, timeouts that change, extra fields that enter the
// table and a new table size. Repeats of a request reuse its block.
func TestHeaderEncoderBlocks(t *testing.T) {
	e := newHeaderEncoder()
	d := hpack.NewDecoder(4096, nil)
	fields := []hpack.HeaderField{{Name: "content-type", Value: "application/grpc+proto"}, {Name: "te", Value: "trailers"}}
	other := []hpack.HeaderField{{Name: "content-type", Value: "application/grpc+json"}}
	type req struct {
		path string
		h    Header
	}
	a := req{"/svc/A", Header{Fields: fields, Timeout: "3000000u"}}
	b := req{"/svc/B", Header{Fields: fields, Timeout: "3000000u"}}
	steps := []req{
		a, a, a, b, b, a, b,
		{"/svc/A", Header{Fields: fields, Timeout: "2999m"}}, // another timeout enters the table
		a, a,
		{"/svc/B", Header{Fields: fields, Extra: http.Header{"x-user": {"u1"}}}}, // so does an extra field
		a, b, a,
		{"/svc/A", Header{Fields: other, Timeout: "3000000u"}}, // another list
		a,
		{"/svc/A", Header{Fields: fields, Timeout: "3000000u", Extra: http.Header{"x-user": {"u2", "u3"}, "x-trace": {"t"}}}},
		a, b, a, a,
	}
	for i, s := range steps {
		if i == 15 {
			e.SetTableSize(256) // the peer's smaller table: entries are evicted
		}
		block := e.encode("http", "127.0.0.1:1", s.path, s.h)
		got, err := d.DecodeFull(block)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if g, w := render(got), expect(s.path, s.h); g != w {
			t.Fatalf("step %d: the peer decoded\n  %s\nwant\n  %s", i, g, w)
		}
	}
	// A repeat reuses its kept block: the same short bytes, no new table
	// generation.
	first := bytes.Clone(e.encode("http", "127.0.0.1:1", a.path, a.h))
	gen := e.Gen()
	again := e.encode("http", "127.0.0.1:1", a.path, a.h)
	if !bytes.Equal(first, again) || e.Gen() != gen || len(again) > 8 {
		t.Fatalf("repeat: %x then %x (gen %d -> %d)", first, again, gen, e.Gen())
	}
	if _, err := d.DecodeFull(first); err != nil {
		t.Fatal(err)
	}
}

func expect(path string, h Header) string {
	fs := []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "127.0.0.1:1"}, {Name: ":path", Value: path}}
	fs = append(fs, h.Fields...)
	if h.Timeout != "" {
		fs = append(fs, hpack.HeaderField{Name: "grpc-timeout", Value: h.Timeout})
	}
	for k, vs := range h.Extra {
		for _, v := range vs {
			fs = append(fs, hpack.HeaderField{Name: k, Value: v})
		}
	}
	return render(fs)
}

// render lists fields in order, the extra ones (after the fixed part)
// sorted: a map's order is not the wire's concern.
func render(fs []hpack.HeaderField) string {
	var fixed, extra []string
	for _, f := range fs {
		s := fmt.Sprintf("%s=%s", f.Name, f.Value)
		if strings.HasPrefix(f.Name, "x-") {
			extra = append(extra, s)
		} else {
			fixed = append(fixed, s)
		}
	}
	slices.Sort(extra)
	return strings.Join(append(fixed, extra...), " ")
}
