package h2_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// The limits the fuzzed reader runs with: small, so that the fuzzer
// reaches them.
const (
	fuzzMaxHeaderList = 4096
	fuzzMaxFrame      = 16 << 10
)

// fuzzFrames builds seed inputs: frames as a peer writes them.
type fuzzFrames struct {
	buf  bytes.Buffer
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
}

func newFuzzFrames() *fuzzFrames {
	b := &fuzzFrames{}
	b.fr = http2.NewFramer(&b.buf, nil)
	b.enc = hpack.NewEncoder(&b.hbuf)
	return b
}

// headers writes one header block on stream id, split into frames of at
// most maxFrame bytes (HEADERS, then CONTINUATION).
func (b *fuzzFrames) headers(id uint32, maxFrame int, endStream bool, fields ...string) *fuzzFrames {
	b.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		_ = b.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	_ = h2.WriteHeaderBlock(b.fr, id, b.hbuf.Bytes(), maxFrame, endStream)
	return b
}

func (b *fuzzFrames) bytes() []byte { return append([]byte(nil), b.buf.Bytes()...) }

func fuzzFrameSeeds() [][]byte {
	var seeds [][]byte
	request := []string{
		":method", "POST", ":scheme", "http", ":path", "/org.apache.dubbo.samples.data.Greeter/Greet",
		":authority", "127.0.0.1:20000", "content-type", "application/grpc+proto", "te", "trailers",
		"grpc-timeout", "3S", "tri-service-version", "1.0.0", "x-a", "1", "x-a", "2",
	}

	// A request split over HEADERS and CONTINUATION frames, its message
	// and its end.
	b := newFuzzFrames().headers(1, 16, false, request...)
	_ = b.fr.WriteData(1, false, []byte{0, 0, 0, 0, 3, 'a', 'b', 'c'})
	_ = b.fr.WriteData(1, true, nil)
	seeds = append(seeds, b.bytes())

	// A response with trailers, using the dynamic table of the request's
	// encoder.
	b.headers(3, 16<<10, false, ":status", "200", "content-type", "application/grpc")
	_ = b.fr.WriteData(3, false, []byte{0, 0, 0, 0, 0})
	b.headers(3, 16<<10, true, "grpc-status", "0", "grpc-message", "")
	seeds = append(seeds, b.bytes())

	// The connection's frames.
	b = newFuzzFrames()
	_ = b.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20},
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0}, http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 4096})
	_ = b.fr.WriteSettingsAck()
	_ = b.fr.WritePing(false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	_ = b.fr.WriteWindowUpdate(0, 1<<20)
	_ = b.fr.WriteRSTStream(5, http2.ErrCodeCancel)
	_ = b.fr.WriteGoAway(7, http2.ErrCodeNo, []byte("bye"))
	seeds = append(seeds, b.bytes())

	// A block over the header list limit, in one frame: truncated, then
	// the next block decodes whole.
	big := strings.Repeat("v", 1500)
	b = newFuzzFrames().headers(1, 16<<10, true, ":status", "200", "a", big, "b", big, "c", big, "d", big)
	b.headers(3, 100, true, ":status", "204")
	seeds = append(seeds, b.bytes())

	// A block far over the limit, in many CONTINUATION frames.
	b = newFuzzFrames().headers(1, 512, true, ":method", "GET", "x", strings.Repeat("x", 20000))
	seeds = append(seeds, b.bytes())

	// Invalid blocks: an upper-case name, a pseudo field after a regular
	// one, mixed request and response fields, an unknown pseudo field.
	for _, bad := range [][]string{
		{":status", "200", "Upper", "x"},
		{"a", "b", ":status", "200"},
		{":status", "200", ":method", "GET"},
		{":nope", "x"},
		{":status", "200", "bad", "a\x00b"},
	} {
		b = newFuzzFrames().headers(1, 4, true, bad...)
		b.headers(3, 16<<10, true, ":status", "200")
		seeds = append(seeds, b.bytes())
	}

	// Large DATA frames (read into chunks), padded and not, between small
	// ones; then one on stream 0.
	b = newFuzzFrames().headers(1, 16<<10, false, request...)
	_ = b.fr.WriteData(1, false, bytes.Repeat([]byte{'a'}, 8<<10))
	_ = b.fr.WriteData(1, false, []byte("small"))
	_ = b.fr.WriteDataPadded(1, false, bytes.Repeat([]byte{'b'}, 12<<10), make([]byte, 255))
	_ = b.fr.WriteData(1, true, bytes.Repeat([]byte{'c'}, 16<<10))
	seeds = append(seeds, b.bytes())
	_ = b.fr.WriteRawFrame(http2.FrameData, 0, 0, make([]byte, 9<<10))
	seeds = append(seeds, b.bytes())

	// A truncated frame: a request cut inside its CONTINUATION frames.
	full := newFuzzFrames().headers(1, 8, true, request...).bytes()
	seeds = append(seeds, full[:len(full)/2])
	// A bare frame header announcing more than the reader accepts.
	seeds = append(seeds, []byte{0x01, 0x00, 0x00, byte(http2.FrameData), 0, 0, 0, 0, 1})
	seeds = append(seeds, nil)
	return seeds
}

// FuzzFrameReader feeds arbitrary bytes to a FrameReader. It must not
// panic, must not start goroutines, must keep every decoded block within
// the header list limit, and must give pseudo fields before regular ones.
func FuzzFrameReader(f *testing.F) {
	for _, s := range fuzzFrameSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := runtime.NumGoroutine()

		src := bytes.NewReader(data)
		fr := http2.NewFramer(io.Discard, src)
		fr.MaxHeaderListSize = fuzzMaxHeaderList
		fr.SetMaxReadFrameSize(fuzzMaxFrame)
		r := h2.NewFrameReader(fr, src)
		// Every frame takes at least its 9-byte header, so a reader that
		// goes on past this makes no progress.
		for n := 0; ; n++ {
			if n > len(data)/9+1 {
				t.Fatalf("%d frames from %d bytes", n, len(data))
			}
			fm, err := r.ReadFrame()
			if err != nil {
				var se http2.StreamError
				if errors.As(err, &se) && fm == nil {
					continue // a frame x/net refuses; the connection goes on
				}
				if fm != nil {
					t.Fatalf("a frame (%T) and an error (%v)", fm, err)
				}
				break
			}
			switch fm := fm.(type) {
			case *h2.Headers:
				checkFuzzedHeaders(t, fm)
			case *h2.DataChunk:
				if fm.StreamID == 0 || fm.Length < fuzzMaxFrame/2 || fm.Length > fuzzMaxFrame || len(fm.Data()) >= int(fm.Length) && fm.Flags.Has(http2.FlagDataPadded) {
					t.Fatalf("a DataChunk on stream %d, %d bytes long, with %d bytes of data", fm.StreamID, fm.Length, len(fm.Data()))
				}
				if n%2 == 0 {
					fm.Release() // the others go back at the next ReadFrame
				}
			}
		}

		for i := 0; runtime.NumGoroutine() > before; i++ {
			if i == 50 {
				buf := make([]byte, 1<<16)
				t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(time.Millisecond)
		}
	})
}

func checkFuzzedHeaders(t *testing.T, h *h2.Headers) {
	t.Helper()
	var size uint32
	for _, hf := range h.Fields {
		size += hf.Size()
	}
	if size > fuzzMaxHeaderList {
		t.Fatalf("decoded %d bytes of fields, over the %d-byte limit (truncated %v)", size, fuzzMaxHeaderList, h.Truncated)
	}
	reg := h.RegularFields()
	if len(reg) > len(h.Fields) || (len(reg) > 0 && &reg[0] != &h.Fields[len(h.Fields)-len(reg)]) {
		t.Fatalf("RegularFields is not the tail of Fields")
	}
	nPseudo := len(h.Fields) - len(reg)
	for i, hf := range h.Fields {
		if pseudo := strings.HasPrefix(hf.Name, ":"); pseudo != (i < nPseudo) {
			t.Fatalf("field %d (%q) of %d, %d pseudo fields first", i, hf.Name, len(h.Fields), nPseudo)
		}
		// A repeated pseudo field makes a block invalid: its first value stands.
		if i < nPseudo && h.Invalid == nil && h.PseudoValue(hf.Name[1:]) != hf.Value {
			t.Fatalf("PseudoValue(%q) = %q, field says %q", hf.Name[1:], h.PseudoValue(hf.Name[1:]), hf.Value)
		}
	}
	if h.HeadersFrame == nil || h.StreamID == 0 {
		t.Fatalf("a block without its HEADERS frame or on stream 0")
	}
}
