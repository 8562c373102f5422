package transport

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

func TestReader(t *testing.T) {
	var buf []byte
	buf = AppendFrame(buf, []byte("one"), false)
	buf = AppendFrame(buf, nil, false)
	z, err := Gzip([]byte(strings.Repeat("z", 100)))
	if err != nil {
		t.Fatal(err)
	}
	buf = AppendFrame(buf, z, true)
	r := NewReader(bytes.NewReader(buf), 1000, "gzip")
	for _, want := range []string{"one", "", strings.Repeat("z", 100)} {
		got, err := r.Next()
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

func TestReaderErrors(t *testing.T) {
	big := AppendFrame(nil, make([]byte, 11), false)
	zipped, _ := Gzip(make([]byte, 1000))
	for name, c := range map[string]struct {
		data     []byte
		max      int
		encoding string
		code     status.Code
	}{
		"over the limit":     {big, 10, "", status.ResourceExhausted},
		"truncated prefix":   {big[:3], 0, "", status.Internal},
		"truncated body":     {big[:8], 0, "", status.Internal},
		"compressed, no enc": {AppendFrame(nil, zipped, true), 0, "", status.Internal},
		"unknown encoding":   {AppendFrame(nil, zipped, true), 0, "br", status.Unimplemented},
		"over after gunzip":  {AppendFrame(nil, zipped, true), 500, "gzip", status.ResourceExhausted},
		"not gzip":           {AppendFrame(nil, []byte("nope"), true), 0, "gzip", status.Internal},
	} {
		_, err := NewReader(bytes.NewReader(c.data), c.max, c.encoding).Next()
		if status.CodeOf(err) != c.code {
			t.Errorf("%s: got %v; want %v", name, err, c.code)
		}
	}
}

// Buffered takes only whole, plain messages already read ahead, and leaves
// the rest (partial, empty when not allowed, compressed, too big) to Next.
func TestReaderBuffered(t *testing.T) {
	var buf []byte
	buf = AppendFrame(buf, []byte("one"), false)
	buf = AppendFrame(buf, nil, false)
	buf = AppendFrame(buf, []byte("two"), false)
	z, _ := Gzip([]byte("zip"))
	buf = AppendFrame(buf, z, true)
	buf = AppendFrame(buf, make([]byte, 31), false)
	buf = AppendFrame(buf, []byte("partial"), false)
	r := NewReader(bytes.NewReader(buf[:len(buf)-2]), 30, "gzip")
	if _, ok := r.Buffered(true); ok {
		t.Fatal("Buffered before any read")
	}
	if b, err := r.Next(); err != nil || string(b) != "one" { // reads everything ahead
		t.Fatalf("got %q, %v", b, err)
	}
	if _, ok := r.Buffered(false); ok {
		t.Fatal("took an empty message it was told to leave")
	}
	for _, want := range []string{"", "two"} {
		if b, ok := r.Buffered(true); !ok || string(b) != want {
			t.Fatalf("got %q, %v; want %q", b, ok, want)
		}
	}
	if _, ok := r.Buffered(true); ok {
		t.Fatal("took a compressed message")
	}
	if b, err := r.Next(); err != nil || string(b) != "zip" {
		t.Fatalf("got %q, %v", b, err)
	}
	if _, ok := r.Buffered(true); ok {
		t.Fatal("took a message over the limit")
	}
	if _, err := r.Next(); status.CodeOf(err) != status.ResourceExhausted {
		t.Fatalf("got %v", err)
	}
}

// Reads of every size, from 2 bytes to 100 KB, lose or reorder nothing.
func TestReaderQuietAndBusy(t *testing.T) {
	var buf []byte
	var want []string
	for i := range 3000 {
		m := strings.Repeat(string(rune('a'+i%26)), i%700)
		want = append(want, m)
		buf = AppendFrame(buf, []byte(m), false)
	}
	r := NewReader(&chunky{data: buf, sizes: []int{3, 600, 40000, 7, 100000, 63, 64, 65, 511, 512, 2}}, 0, "")
	for i, w := range want {
		got, err := r.Next()
		if err != nil || string(got) != w {
			t.Fatalf("message %d: got %d bytes, %v; want %d bytes", i, len(got), err, len(w))
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

// chunky returns its data in reads of the given sizes, in turn.
type chunky struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), c.sizes[c.i%len(c.sizes)])
	c.i++
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}
