package h2

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"golang.org/x/net/http2"
)

// dataCase is one DATA frame a peer sends: len bytes of data, padded
// with pad bytes of padding when padded.
type dataCase struct {
	len    int
	padded bool
	pad    uint8
}

// frameLen is the frame's payload length, padding and pad length included.
func (d dataCase) frameLen() int {
	if d.padded {
		return 1 + d.len + int(d.pad)
	}
	return d.len
}

// dataCases are the frames TestFrameReaderDataChunks and the end-to-end
// tests send on one stream: large ones at the bounds of the chunk path
// (8 KiB, just under it, 16 KiB), padded and not, with small ones between.
var dataCases = []dataCase{
	{len: 100},
	{len: chunkSize / 2},
	{len: 5},
	{len: chunkSize/2 - 1},
	{len: chunkSize},
	{len: 0},
	{len: chunkSize - 1 - 10, padded: true, pad: 10}, // a 16 KiB frame
	{len: 7, padded: true, pad: 3},
	{len: chunkSize / 2, padded: true, pad: 0},
	{len: chunkSize/2 - 1 - 200, padded: true, pad: 200}, // an 8 KiB frame, under half a chunk of data
	{len: chunkSize/2 - 1, padded: true, pad: 255},
	{len: 3000},
	{len: chunkSize},
	{len: chunkSize / 2},
}

// writeDataCases writes cases on stream id with fr, each frame's bytes
// counting on from seed, the last ending the stream when end is set;
// it returns the data in order.
func writeDataCases(fr *http2.Framer, id uint32, cases []dataCase, seed int, end bool) ([]byte, error) {
	var all []byte
	for i, d := range cases {
		p := make([]byte, d.len)
		for j := range p {
			p[j] = byte(seed + i*31 + j%253)
		}
		all = append(all, p...)
		last := end && i == len(cases)-1
		var err error
		if d.padded {
			err = fr.WriteDataPadded(id, last, p, make([]byte, d.pad))
		} else {
			err = fr.WriteData(id, last, p)
		}
		if err != nil {
			return nil, err
		}
	}
	return all, nil
}

// dataReader returns a FrameReader over frames, reading DATA payloads
// into chunks itself (direct) or all through x/net's framer.
func dataReader(frames []byte, direct bool) (*FrameReader, *http2.Framer) {
	src := bytes.NewReader(frames)
	fr := http2.NewFramer(io.Discard, src)
	fr.SetMaxReadFrameSize(16 << 10)
	if direct {
		return NewFrameReader(fr, src), fr
	}
	return NewFrameReader(fr, nil), fr
}

// Large DATA frames (8 to 16 KiB, padding included) come in chunks, the
// others through x/net; either way each frame's data, flags and length
// are what was sent, in order with HEADERS between, and a body fed from
// them reads all of it back in order. A chunk holding at least half a
// chunk of data is queued as it is; one holding less is copied and
// recycled.
func TestFrameReaderDataChunks(t *testing.T) {
	poisonRecycled.Store(true)
	defer poisonRecycled.Store(false)
	for _, direct := range []bool{true, false} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			var buf bytes.Buffer
			fr := http2.NewFramer(&buf, nil)
			want, err := writeDataCases(fr, 1, dataCases[:7], 0, false)
			if err != nil {
				t.Fatal(err)
			}
			b := newBlocks()
			b.add(t, 3, 16<<10, ":status", "200")
			buf.Write(b.buf.Bytes())
			more, err := writeDataCases(fr, 1, dataCases[7:], 7, true)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, more...)

			r, _ := dataReader(buf.Bytes(), direct)
			var body Body
			body.Init(1<<20, false)
			var got []byte
			seen := 0
			for i := 0; i < len(dataCases); {
				f, err := r.ReadFrame()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if h, ok := f.(*Headers); ok {
					if i != 7 || h.StreamID != 3 || h.PseudoValue("status") != "200" {
						t.Fatalf("HEADERS after DATA frame %d, stream %d", i, h.StreamID)
					}
					continue
				}
				d := dataCases[i]
				large := direct && d.frameLen() >= chunkSize/2 && d.frameLen() <= chunkSize
				// Check a frame before handing it over: a chunk copied and
				// recycled is poisoned.
				check := func(data []byte, fh http2.FrameHeader, ended bool) {
					t.Helper()
					if fh.StreamID != 1 || int(fh.Length) != d.frameLen() || ended != (i == len(dataCases)-1) {
						t.Fatalf("frame %d: stream %d, length %d, ended %v; want stream 1, length %d", i, fh.StreamID, fh.Length, ended, d.frameLen())
					}
					if !bytes.Equal(data, want[seen:seen+d.len]) {
						t.Fatalf("frame %d: data differs", i)
					}
				}
				switch f := f.(type) {
				case *DataChunk:
					if !large {
						t.Fatalf("frame %d (%d bytes) came in a chunk", i, d.frameLen())
					}
					data := f.Data()
					check(data, f.FrameHeader, f.StreamEnded())
					c := f.Take()
					if c == nil || len(*c) != len(data) || (len(data) > 0 && &(*c)[0] != &data[0]) {
						t.Fatalf("frame %d: Take does not give the chunk holding the data", i)
					}
					if f.Take() != nil {
						t.Fatalf("frame %d: the chunk taken twice", i)
					}
					if !body.PutChunk(c) {
						t.Fatal("body refused the chunk")
					}
					if held := body.buf.q[len(body.buf.q)-1]; len(data) >= chunkSize/2 && held != c {
						t.Fatalf("frame %d: the body copied %d bytes rather than keep the chunk", i, len(data))
					}
				case *http2.DataFrame:
					if large {
						t.Fatalf("frame %d (%d bytes) did not come in a chunk", i, d.frameLen())
					}
					check(f.Data(), f.FrameHeader, f.StreamEnded())
					body.Put(f.Data())
				default:
					t.Fatalf("frame %d: got %T", i, f)
				}
				seen += d.len
				i++
				// Read some as it comes, so that chunks are recycled (and
				// poisoned) while others are still held.
				if i%3 == 0 {
					p := make([]byte, 5000)
					n, _, _ := body.Read(p, nil)
					got = append(got, p[:n]...)
				}
			}
			if _, err := r.ReadFrame(); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
			body.End()
			rest, err := readLentAll(&body)
			if err != nil {
				t.Fatal(err)
			}
			if got = append(got, rest...); !bytes.Equal(got, want) {
				t.Fatalf("the body read back %d bytes, differing from the %d sent", len(got), len(want))
			}
		})
	}
}

// readLentAll reads b with ReadLent to its end.
func readLentAll(b *Body) ([]byte, error) {
	var all []byte
	for {
		data, _, err := b.ReadLent(nil)
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, data...)
	}
}

// raceEnabled is set under -race (race_test.go).
var raceEnabled bool

// Bad DATA frames give the same errors on the chunk path as through
// x/net, as the engine sees them (classify): a connection
// PROTOCOL_ERROR for stream 0, for padding past the frame's end and for
// DATA inside a header block; FRAME_SIZE_ERROR for a frame over the
// limit; the read error for a frame cut short.
func TestFrameReaderBadData(t *testing.T) {
	raw := func(build func(fr *http2.Framer)) []byte {
		var buf bytes.Buffer
		build(http2.NewFramer(&buf, nil))
		return buf.Bytes()
	}
	big := make([]byte, chunkSize/2)
	for _, tc := range []struct {
		name   string
		frames []byte
		want   string // in the error
	}{
		{"Stream0", raw(func(fr *http2.Framer) { _ = fr.WriteRawFrame(http2.FrameData, 0, 0, big) }), "PROTOCOL_ERROR"},
		{"Stream0Full", raw(func(fr *http2.Framer) { _ = fr.WriteRawFrame(http2.FrameData, 0, 0, make([]byte, chunkSize)) }), "PROTOCOL_ERROR"},
		{"Stream0Padded", raw(func(fr *http2.Framer) {
			_ = fr.WriteRawFrame(http2.FrameData, http2.FlagDataPadded, 0, append([]byte{4}, big...))
		}), "PROTOCOL_ERROR"},
		{"Stream0Small", raw(func(fr *http2.Framer) { _ = fr.WriteRawFrame(http2.FrameData, 0, 0, []byte("x")) }), "PROTOCOL_ERROR"},
		{"PadPastEnd", raw(func(fr *http2.Framer) {
			_ = fr.WriteRawFrame(http2.FrameData, http2.FlagDataPadded, 1, []byte{200, 1, 2, 3})
		}), "PROTOCOL_ERROR"},
		{"PaddedEmpty", raw(func(fr *http2.Framer) { _ = fr.WriteRawFrame(http2.FrameData, http2.FlagDataPadded, 1, nil) }), "EOF"},
		{"Oversized", raw(func(fr *http2.Framer) { _ = fr.WriteRawFrame(http2.FrameData, 0, 1, make([]byte, chunkSize+1)) }), "FRAME_SIZE_ERROR"},
		{"InsideHeaderBlock", raw(func(fr *http2.Framer) {
			_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x88}})
			_ = fr.WriteData(1, false, big)
		}), "PROTOCOL_ERROR"},
		{"CutAfterHeader", raw(func(fr *http2.Framer) { _ = fr.WriteData(1, false, big) })[:9], "EOF"},
		{"CutAfterPadLength", raw(func(fr *http2.Framer) { _ = fr.WriteDataPadded(1, false, big, []byte{}) })[:10], "unexpected EOF"},
		{"CutShort", raw(func(fr *http2.Framer) { _ = fr.WriteData(1, false, big) })[:9+100], "unexpected EOF"},
		{"CutShortPadded", raw(func(fr *http2.Framer) { _ = fr.WriteDataPadded(1, false, big, make([]byte, 9)) })[:9+len(big)], "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs [2]string
			for i, direct := range []bool{true, false} {
				r, fr := dataReader(tc.frames, direct)
				var err error
				for err == nil {
					var f http2.Frame
					if f, err = r.ReadFrame(); err == nil {
						if d, ok := f.(*DataChunk); ok {
							d.Release()
						}
					}
				}
				errs[i] = fmt.Sprint(classify(err, fr))
			}
			if errs[0] != errs[1] {
				t.Fatalf("chunk path: %s\nx/net path: %s", errs[0], errs[1])
			}
			if !bytes.Contains([]byte(errs[0]), []byte(tc.want)) {
				t.Fatalf("error %q, want one saying %s", errs[0], tc.want)
			}
		})
	}
}

// A large DATA frame goes into the body without a copy: the chunk the
// body lends is the one the reader filled. Reading one into a chunk and
// giving the chunk back allocates nothing.
func TestFrameReaderDataNoCopy(t *testing.T) {
	const runs = 50
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	if _, err := writeDataCases(fr, 1, []dataCase{{len: chunkSize}}, 0, false); err != nil {
		t.Fatal(err)
	}
	one := bytes.Clone(buf.Bytes())
	for range 2 * runs {
		buf.Write(one)
	}
	r, _ := dataReader(buf.Bytes(), true)
	read := func() *DataChunk {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		d, ok := f.(*DataChunk)
		if !ok {
			t.Fatalf("got %T, want *DataChunk", f)
		}
		return d
	}

	var body Body
	body.Init(1<<30, false)
	for range runs {
		d := read()
		first := &d.Data()[0]
		body.PutChunk(d.Take())
		data, _, err := body.ReadLent(nil)
		if err != nil || len(data) != chunkSize || &data[0] != first {
			t.Fatalf("ReadLent gave %d bytes (%v), not the chunk the reader filled", len(data), err)
		}
	}
	body.ReturnLent()

	if raceEnabled {
		t.Log("no allocation count under -race, whose sync.Pool drops chunks")
		return
	}
	if allocs := testing.AllocsPerRun(runs-1, func() { recycleChunk(read().Take()) }); allocs != 0 {
		t.Fatalf("%.1f allocations per large DATA frame, want 0", allocs)
	}
}

// A chunk the body does not take (it ended, or failed) goes back to the
// pool; one under half full is copied into the last chunk.
func TestBodyPutChunk(t *testing.T) {
	poisonRecycled.Store(true)
	defer poisonRecycled.Store(false)
	chunk := func(n int, v byte) *[]byte {
		c := getChunk()
		*c = (*c)[:n]
		for i := range *c {
			(*c)[i] = v
		}
		return c
	}
	var b Body
	b.Init(1<<20, false)
	b.Put([]byte("ab"))
	small := chunk(10, 'c')
	if !b.PutChunk(small) || len(b.buf.q) != 1 || string(*b.buf.q[0]) != "abcccccccccc" {
		t.Fatalf("a small chunk was not copied into the last one")
	}
	if (*small)[0] != 0xa5 {
		t.Fatal("the small chunk, copied, was not recycled")
	}
	large := chunk(chunkSize/2, 'd')
	if !b.PutChunk(large) || len(b.buf.q) != 2 || b.buf.q[1] != large {
		t.Fatal("a large chunk was not queued as it is")
	}
	b.Put([]byte("e")) // appends to the large chunk, which has room
	if len(b.buf.q) != 2 || len(*large) != chunkSize/2+1 {
		t.Fatalf("%d chunks, the last %d bytes", len(b.buf.q), len(*large))
	}
	b.End()
	refused := chunk(chunkSize, 'f')
	if b.PutChunk(refused) {
		t.Fatal("an ended body took a chunk")
	}
	if (*refused)[0] != 0xa5 {
		t.Fatal("the refused chunk was not recycled")
	}
	all, err := readLentAll(&b)
	if err != nil || len(all) != 12+chunkSize/2+1 || all[12] != 'd' || all[len(all)-1] != 'e' {
		t.Fatalf("read back %d bytes, %v", len(all), err)
	}
}
