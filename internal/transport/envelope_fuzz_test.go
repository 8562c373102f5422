package transport

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// chunkReader hands out its data in reads whose sizes follow chunk: 0
// gives everything at once, 1..127 that many bytes per read, 128..255
// sizes that vary from 1 to chunk-127. With eofWithData the last read
// returns io.EOF along with its bytes, as some readers do.
type chunkReader struct {
	data        []byte
	chunk       uint8
	eofWithData bool
	reads       int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	switch {
	case c.chunk == 0:
	case c.chunk < 128:
		n = int(c.chunk)
	default:
		n = 1 + (c.reads*7+int(c.chunk))%(int(c.chunk)-127)
	}
	c.reads++
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	if c.eofWithData && len(c.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// Modes of FuzzReader, bits of its mode argument.
const (
	modeGzip        = 1 << iota // the peer's grpc-encoding is gzip
	modeEOFWithData             // the last read returns data and io.EOF
	modeBuffered                // try Buffered before each Next, as the transport does
	modeAllowEmpty              // Buffered may return empty messages
)

// refMessage is what the reference parser expects next.
type refMessage struct {
	msg        []byte
	compressed bool
}

// refParse reads data the simple way: all in memory. It returns the
// messages and the code of the error that follows them (0 for io.EOF).
func refParse(data []byte, maxBytes int, gzipped bool) ([]refMessage, status.Code) {
	var out []refMessage
	for {
		if len(data) == 0 {
			return out, 0
		}
		if len(data) < HeaderLen {
			return out, status.Internal
		}
		flags, n := data[0], binary.BigEndian.Uint32(data[1:HeaderLen])
		if uint64(n) > uint64(maxBytes) {
			return out, status.ResourceExhausted
		}
		data = data[HeaderLen:]
		if uint64(len(data)) < uint64(n) {
			return out, status.Internal
		}
		payload := data[:n]
		data = data[n:]
		if flags&1 == 0 {
			out = append(out, refMessage{msg: payload})
			continue
		}
		if !gzipped {
			return out, status.Internal
		}
		zr, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return out, status.Internal
		}
		plain, err := io.ReadAll(io.LimitReader(zr, int64(maxBytes)+1))
		if err != nil {
			return out, status.Internal
		}
		if len(plain) > maxBytes {
			return out, status.ResourceExhausted
		}
		out = append(out, refMessage{msg: plain, compressed: true})
	}
}

// readAll reads r to its end the way the transport does, checking what
// comes against want: Buffered (if mode says so) and then Next.
func readAllChecked(t *testing.T, r *Reader, want []refMessage, wantEnd status.Code, maxBytes int, mode uint8) {
	t.Helper()
	for i := 0; ; i++ {
		if i > len(want) {
			t.Fatalf("message %d: past the %d expected and the end", i, len(want))
		}
		if mode&modeBuffered != 0 {
			if b, ok := r.Buffered(mode&modeAllowEmpty != 0); ok {
				if i == len(want) {
					t.Fatalf("Buffered returned a message (%d bytes) after the last one", len(b))
				}
				if want[i].compressed || !bytes.Equal(b, want[i].msg) || len(b) > maxBytes ||
					(len(b) == 0 && mode&modeAllowEmpty == 0) {
					t.Fatalf("Buffered message %d: %d bytes, want %d bytes (compressed %v)", i, len(b), len(want[i].msg), want[i].compressed)
				}
				continue
			}
		}
		b, err := r.Next()
		if err != nil {
			if i < len(want) {
				t.Fatalf("message %d of %d: %v", i, len(want), err)
			}
			if wantEnd == 0 {
				if err != io.EOF {
					t.Fatalf("at the end: %v, want io.EOF", err)
				}
			} else if c := status.CodeOf(err); c != wantEnd {
				t.Fatalf("at the end: %v (%v), want code %v", err, c, wantEnd)
			}
			if b != nil {
				t.Fatalf("a message and an error")
			}
			// A clean end stays the end. (After a framing error the
			// Reader promises nothing: its callers keep that error.)
			if wantEnd == 0 {
				if _, err2 := r.Next(); err2 != io.EOF {
					t.Fatalf("after io.EOF: %v", err2)
				}
			}
			return
		}
		if len(b) > maxBytes {
			t.Fatalf("message %d: %d bytes, over the %d-byte limit", i, len(b), maxBytes)
		}
		if i == len(want) {
			t.Fatalf("a message (%d bytes) after the last one, want code %v", len(b), wantEnd)
		}
		if !bytes.Equal(b, want[i].msg) {
			t.Fatalf("message %d: got %q, want %q", i, b, want[i].msg)
		}
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	z, err := Gzip(b)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), z...)
}

// FuzzReader reads an arbitrary byte stream, in arbitrary reads, as
// length-prefixed messages under a size limit. It must not panic or hang;
// every message must be within the limit and the one an in-memory
// reference parser finds; oversize, truncated or undecodable input ends
// with the reference's error.
func FuzzReader(f *testing.F) {
	var s []byte
	s = AppendFrame(s, []byte("hello"), false)
	s = AppendFrame(s, nil, false)
	s = AppendFrame(s, bytes.Repeat([]byte("x"), 100), false)
	f.Add(s, uint8(0), uint16(1000), uint8(0))
	f.Add(s, uint8(1), uint16(1000), uint8(modeBuffered|modeAllowEmpty))
	f.Add(s, uint8(3), uint16(1000), uint8(modeBuffered|modeEOFWithData))
	f.Add(s, uint8(200), uint16(99), uint8(modeBuffered)) // the last is over the limit
	f.Add(s[:len(s)-1], uint8(7), uint16(1000), uint8(0)) // truncated message
	f.Add(s[:2], uint8(0), uint16(1000), uint8(0))        // truncated prefix
	big := AppendFrame(nil, bytes.Repeat([]byte("0123456789"), 5000), false)
	f.Add(big, uint8(0), uint16(60000), uint8(modeBuffered))
	f.Add(append(s, big...), uint8(255), uint16(60000), uint8(modeBuffered|modeEOFWithData))
	z := AppendFrame(nil, gzipped(f, []byte("compressed hello")), true)
	f.Add(z, uint8(0), uint16(100), uint8(modeGzip|modeBuffered))
	f.Add(z, uint8(0), uint16(100), uint8(0)) // compressed without an encoding
	f.Add(z, uint8(0), uint16(5), uint8(modeGzip))
	bomb := AppendFrame(nil, gzipped(f, make([]byte, 1<<20)), true)
	f.Add(bomb, uint8(16), uint16(65535), uint8(modeGzip))
	f.Add(AppendFrame(nil, []byte("not gzip"), true), uint8(0), uint16(100), uint8(modeGzip))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff}, uint8(0), uint16(100), uint8(0))
	f.Add([]byte{}, uint8(0), uint16(0), uint8(0))

	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, limit uint16, mode uint8) {
		// Always a limit: without one the reader would allocate what a
		// prefix announces, up to 4 GiB.
		maxBytes := int(limit) + 1
		encoding := ""
		if mode&modeGzip != 0 {
			encoding = "gzip"
		}
		want, wantEnd := refParse(data, maxBytes, mode&modeGzip != 0)
		src := &chunkReader{data: data, chunk: chunk, eofWithData: mode&modeEOFWithData != 0}
		readAllChecked(t, NewReader(src, maxBytes, encoding), want, wantEnd, maxBytes, mode)
	})
}

// FuzzRoundTrip writes messages with AppendFrame (gzip-compressing some
// with Gzip) and reads them back in arbitrary reads: the same messages,
// in order, then io.EOF. With the limit one byte under the largest
// message, the messages before it come back and then ResourceExhausted.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello, world"), []byte{5, 0, 7}, uint8(0), uint8(0), false)
	f.Add([]byte("hello, world"), []byte{5, 0, 7}, uint8(1), uint8(0b101), false)
	f.Add(bytes.Repeat([]byte("abc"), 20000), []byte{200, 100, 255}, uint8(130), uint8(0xff), true)
	f.Add([]byte{}, []byte{0, 0, 0}, uint8(2), uint8(0), false)
	f.Add(bytes.Repeat([]byte{0}, 40000), []byte{1}, uint8(255), uint8(1), true)

	f.Fuzz(func(t *testing.T, payload []byte, cuts []byte, chunk uint8, compress uint8, underLimit bool) {
		// The messages: payload cut at lengths taken from cuts (each
		// byte times 64, so that large messages come up), the rest last.
		var msgs [][]byte
		for _, c := range cuts {
			n := min(int(c)*64+int(c)%64, len(payload))
			msgs = append(msgs, payload[:n])
			payload = payload[n:]
		}
		msgs = append(msgs, payload)

		var stream []byte
		var want []refMessage
		var encLens []int
		largest := 0
		for i, m := range msgs {
			compressed := compress>>(i%8)&1 != 0
			enc := m
			if compressed {
				enc = gzipped(t, m)
			}
			stream = AppendFrame(stream, enc, compressed)
			want = append(want, refMessage{msg: m, compressed: compressed})
			encLens = append(encLens, len(enc))
			largest = max(largest, len(m), len(enc))
		}
		maxBytes, wantEnd := max(largest, 1), status.Code(0)
		if underLimit && largest > 1 {
			// The first message whose frame or content is over the limit
			// ends the stream.
			maxBytes = largest - 1
			for i, m := range msgs {
				if encLens[i] > maxBytes || len(m) > maxBytes {
					want, wantEnd = want[:i], status.ResourceExhausted
					break
				}
			}
		}
		src := &chunkReader{data: stream, chunk: chunk, eofWithData: chunk&1 != 0}
		r := NewReader(src, maxBytes, "gzip")
		readAllChecked(t, r, want, wantEnd, maxBytes, modeBuffered|modeAllowEmpty)
	})
}

// A truncated stream never reads as a clean end.
func TestReaderTruncatedNotEOF(t *testing.T) {
	s := AppendFrame(nil, []byte("hello"), false)
	for i := 1; i < len(s); i++ {
		_, err := NewReader(bytes.NewReader(s[:i]), 100, "").Next()
		if err == nil || errors.Is(err, io.EOF) || status.CodeOf(err) != status.Internal {
			t.Errorf("%d of %d bytes: %v, want an Internal error", i, len(s), err)
		}
	}
}
