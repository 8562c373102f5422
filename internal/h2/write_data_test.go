package h2

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"
)

// DATA frames appended straight to the buffer read back with x/net's
// framer as the peer reads them: split at the frame size, payload intact
// and in order, no END_STREAM, for payloads around the boundaries, given
// whole or in pieces (a 5-byte prefix, an empty piece, pieces that end
// inside a frame and on its boundary).
func TestAppendDataFrames(t *testing.T) {
	for _, tc := range []struct {
		size, frame int
		cuts        []int // where the payload is cut into pieces
	}{
		{1, 16384, nil}, {16384, 16384, nil}, {16385, 16384, nil}, {1 << 20, 16384, nil},
		{100000, 1 << 14, nil}, {70000, 65535, nil},
		{5, 16384, []int{0, 5}}, {16384, 16384, []int{5, 5, 16379}}, {40000, 16384, []int{5, 16384, 16389, 32768}},
		{1 << 20, 16384, []int{5, 1000, 1 << 19}},
	} {
		var out bytes.Buffer
		w := NewWriter(&out)
		p := make([]byte, tc.size)
		for i := range p {
			p[i] = byte(i * 7)
		}
		const id = 0x7ffffff1 // the highest bits of a stream id survive
		var pieces [][]byte
		at := 0
		for _, c := range tc.cuts {
			pieces = append(pieces, p[at:c])
			at = c
		}
		pieces = append(pieces, p[at:])
		if err := w.Write(func() error { w.appendData(id, &pieces, len(p), tc.frame); return nil }, true); err != nil {
			t.Fatal(err)
		}
		fr := http2.NewFramer(nil, &out)
		fr.SetMaxReadFrameSize(1 << 24)
		var got []byte
		frames := 0
		for out.Len() > 0 {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("%+v: frame %d: %v", tc, frames, err)
			}
			d, ok := f.(*http2.DataFrame)
			if !ok || d.StreamID != id || d.StreamEnded() || len(d.Data()) > tc.frame {
				t.Fatalf("%+v: frame %d: %v", tc, frames, f)
			}
			got = append(got, d.Data()...)
			frames++
		}
		if want := (tc.size + tc.frame - 1) / tc.frame; frames != want {
			t.Errorf("%+v: %d frames, want %d", tc, frames, want)
		}
		if !bytes.Equal(got, p) {
			t.Errorf("%+v: payload differs", tc)
		}
		for _, q := range pieces {
			if len(q) != 0 {
				t.Errorf("%+v: %d bytes left in the pieces", tc, len(q))
			}
		}
	}
}
