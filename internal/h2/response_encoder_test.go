package h2

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// A consumer's decoder, fed every block in order, reads each response's
// own fields back (sorted by name, a name's values in order) through
// repeated replies and trailers, an error status, headers that enter the
// table, a dropped connection header, a long value and a smaller table;
// a repeat reuses its short block.
func TestResponseEncoderBlocks(t *testing.T) {
	d := hpack.NewDecoder(4096, nil)
	e := newResponseEncoder()
	trailer := func(k string) (string, bool) { return strings.CutPrefix(k, http.TrailerPrefix) }
	reply := http.Header{"Content-Type": {"application/grpc+proto"}, "Grpc-Accept-Encoding": {"gzip"}, "Trailer:Grpc-Status": {"0"}}
	header := func(k string) (string, bool) { return k, !strings.HasPrefix(k, http.TrailerPrefix) }
	type step struct {
		status int
		h      http.Header
		name   func(string) (string, bool)
		want   string
	}
	okHeaders := step{200, reply, header, ":status=200 content-type=application/grpc+proto grpc-accept-encoding=gzip"}
	okTrailers := step{0, reply, trailer, "grpc-status=0"}
	steps := []step{
		okHeaders, okTrailers, okHeaders, okTrailers, okHeaders, okTrailers,
		{0, http.Header{"Trailer:Grpc-Status": {"5"}, "Trailer:Grpc-Message": {"not found"}}, trailer, "grpc-message=not found grpc-status=5"},
		okHeaders, okTrailers,
		{200, http.Header{"X-Multi": {"b", "a"}, "Content-Type": {"application/grpc+json"}, "Connection": {"close"}}, nil,
			":status=200 content-type=application/grpc+json x-multi=b x-multi=a"},
		okHeaders, okTrailers,
		{431, nil, nil, ":status=431"},
		{200, http.Header{"X-Big": {strings.Repeat("v", 300)}}, nil, ":status=200 x-big=" + strings.Repeat("v", 300)},
		okHeaders, okTrailers,
	}
	for i, s := range steps {
		if i == 14 {
			e.SetTableSize(128) // the peer's smaller table: entries are evicted
		}
		got, err := d.DecodeFull(bytes.Clone(e.encode(s.status, s.h, s.name)))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var fs []string
		for _, f := range got {
			fs = append(fs, fmt.Sprintf("%s=%s", f.Name, f.Value))
		}
		if g := strings.Join(fs, " "); g != s.want {
			t.Fatalf("step %d: the peer decoded %q, want %q", i, g, s.want)
		}
	}
	e.encode(200, reply, header) // enters the smaller table
	first := bytes.Clone(e.encode(200, reply, header))
	gen := e.Gen()
	again := e.encode(200, reply, header)
	if !bytes.Equal(first, again) || e.Gen() != gen || len(again) > 4 {
		t.Fatalf("repeat: %x then %x (gen %d -> %d)", first, again, gen, e.Gen())
	}
}
