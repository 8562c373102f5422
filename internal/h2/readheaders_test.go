package h2

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// blocks encodes header blocks the way a peer sends them, each split into
// frames of at most maxFrame bytes.
type blocks struct {
	buf  bytes.Buffer
	fr   *http2.Framer
	enc  *hpack.Encoder
	hbuf bytes.Buffer
}

func newBlocks() *blocks {
	b := &blocks{}
	b.fr = http2.NewFramer(&b.buf, nil)
	b.enc = hpack.NewEncoder(&b.hbuf)
	return b
}

func (b *blocks) add(t *testing.T, id uint32, maxFrame int, fields ...string) {
	t.Helper()
	b.hbuf.Reset()
	for i := 0; i < len(fields); i += 2 {
		if err := b.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteHeaderBlock(b.fr, id, b.hbuf.Bytes(), maxFrame, true); err != nil {
		t.Fatal(err)
	}
}

func (b *blocks) reader(limit uint32) *FrameReader {
	fr := http2.NewFramer(nil, &b.buf)
	fr.MaxHeaderListSize = limit
	return NewFrameReader(fr, &b.buf)
}

func readHeaders(t *testing.T, r *FrameReader) *Headers {
	t.Helper()
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	h, ok := f.(*Headers)
	if !ok {
		t.Fatalf("got %T, want *Headers", f)
	}
	return h
}

func fieldList(fs []hpack.HeaderField) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Name+"="+f.Value)
	}
	return strings.Join(s, " ")
}

// A block split over CONTINUATION frames decodes whole, pseudo fields
// apart; the next block shows only its own fields.
func TestFrameReaderBlocks(t *testing.T) {
	b := newBlocks()
	b.add(t, 1, 8, ":method", "POST", ":path", "/s/m", "content-type", "application/grpc", "x-a", "1", "x-a", "2")
	b.add(t, 3, 16<<10, ":status", "200")
	r := b.reader(0)

	h := readHeaders(t, r)
	if h.StreamID != 1 || !h.StreamEnded() || h.Truncated {
		t.Fatalf("stream %d, ended %v, truncated %v", h.StreamID, h.StreamEnded(), h.Truncated)
	}
	if h.PseudoValue("method") != "POST" || h.PseudoValue("path") != "/s/m" || h.PseudoValue("status") != "" {
		t.Fatalf("pseudo fields: %s", fieldList(h.Fields))
	}
	if got, want := fieldList(h.RegularFields()), "content-type=application/grpc x-a=1 x-a=2"; got != want {
		t.Fatalf("regular fields %q, want %q", got, want)
	}

	h = readHeaders(t, r)
	if h.StreamID != 3 || fieldList(h.Fields) != ":status=200" || len(h.RegularFields()) != 0 {
		t.Fatalf("second block: stream %d, fields %q", h.StreamID, fieldList(h.Fields))
	}
}

// Decoding a block allocates nothing but x/net's HeadersFrame (x/net's
// own MetaHeadersFrame path makes 6 or more allocations per block).
func TestFrameReaderAllocations(t *testing.T) {
	b := newBlocks()
	const runs = 50
	for i := 0; i < runs+2; i++ { // the warm-up call and one to fill the table
		b.add(t, uint32(2*i+1), 16<<10, ":status", "200", "content-type", "application/grpc", "grpc-accept-encoding", "gzip")
	}
	r := b.reader(0)
	readHeaders(t, r)
	allocs := testing.AllocsPerRun(runs, func() {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Fatalf("%.1f allocations per block, want at most 1", allocs)
	}
}

// Malformed blocks come back marked Invalid, naming the fault, for the
// engine to reset their stream; the connection reads on.
func TestFrameReaderRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
		want   string
	}{
		{"upper-case name", []string{":status", "200", "X-Bad", "1"}, `invalid header field name "X-Bad"`},
		{"pseudo after regular", []string{"a", "1", ":status", "200"}, "pseudo header field after a regular one"},
		{"unknown pseudo", []string{":bogus", "1"}, `unknown pseudo header field ":bogus"`},
		{"repeated pseudo", []string{":path", "/a", ":path", "/b"}, `repeated pseudo header field ":path"`},
		{"request and response", []string{":path", "/a", ":status", "200"}, "mixed"},
		{"bad value", []string{":status", "200", "a", "x\x00y"}, `invalid value of header field "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBlocks()
			b.add(t, 5, 16<<10, tc.fields...)
			b.add(t, 7, 16<<10, ":status", "200")
			r := b.reader(0)
			if h := readHeaders(t, r); h.StreamID != 5 || h.Invalid == nil || !strings.Contains(h.Invalid.Error(), tc.want) {
				t.Fatalf("got stream %d marked invalid with %v, want stream 5 saying %q", h.StreamID, h.Invalid, tc.want)
			}
			if h := readHeaders(t, r); h.StreamID != 7 || h.PseudoValue("status") != "200" {
				t.Fatalf("next block: stream %d %q", h.StreamID, fieldList(h.Fields))
			}
		})
	}
}

// A block over the header list limit is marked truncated and keeps the
// fields that fitted; one far over it breaks the connection, as in x/net.
func TestFrameReaderLimit(t *testing.T) {
	v := strings.Repeat("v", 300)
	b := newBlocks()
	b.add(t, 1, 16<<10, ":status", "200", "a", v, "b", v, "c", v)
	r := b.reader(1000)
	h := readHeaders(t, r)
	if !h.Truncated || fieldList(h.RegularFields()) != "a="+v+" b="+v {
		t.Fatalf("truncated %v, fields %d", h.Truncated, len(h.Fields))
	}

	b = newBlocks()
	b.add(t, 1, 16<<10, ":status", "200", "a", strings.Repeat("v", 3000))
	_, err := b.reader(1000).ReadFrame()
	var ce http2.ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a connection error", err)
	}
}
