package h2conn

import (
	"bufio"
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
)

// countingWriter counts the writes that reach it.
type countingWriter struct {
	bytes.Buffer
	writes atomic.Int32
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Buffer.Write(p)
}

// Writes without a flush wait for the next flush; a flush while others are
// queued is left to the last of them, who flushes for all.
func TestWriterFlushes(t *testing.T) {
	var out countingWriter
	w := NewWriter(bufio.NewWriterSize(&out, 1<<10))
	write := func(s string, flush bool) {
		if err := w.Write(func() error { _, err := w.bw.WriteString(s); return err }, flush); err != nil {
			t.Fatal(err)
		}
	}
	write("a", false)
	write("b", false)
	if out.writes.Load() != 0 {
		t.Fatal("unflushed writes reached the connection")
	}
	write("c", true)
	if out.String() != "abc" || out.writes.Load() != 1 {
		t.Fatalf("after a flush: %q in %d writes", out.String(), out.writes.Load())
	}

	// A flushing writer with another queued behind it leaves the flush to
	// that one, even if that one did not ask for a flush.
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = w.Write(func() error {
			close(inside)
			<-release
			_, err := w.bw.WriteString("d")
			return err
		}, true)
	}()
	<-inside
	wg.Add(1)
	go func() { defer wg.Done(); write("e", false) }()
	for w.waiting.Load() != 2 { // until e is queued
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if out.String() != "abcde" || out.writes.Load() != 2 {
		t.Fatalf("after a left flush: %q in %d writes", out.String(), out.writes.Load())
	}
}

// Data crosses chunk boundaries intact, reads in odd sizes get it in order,
// and Release counts what was left.
func TestRecvBuf(t *testing.T) {
	var b RecvBuf
	var want []byte
	for i := range 3 * chunkSize / 1000 {
		p := bytes.Repeat([]byte{byte(i)}, 1000)
		b.Append(p)
		want = append(want, p...)
	}
	var got []byte
	buf := make([]byte, 777)
	for len(got) < len(want)-5000 {
		n := b.Take(buf)
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, want[:len(got)]) {
		t.Fatal("data read out of order")
	}
	if left := b.Release(); left != len(want)-len(got) || !b.Empty() {
		t.Fatalf("released %d, want %d", left, len(want)-len(got))
	}
}

// A header block over the frame size limit goes out as HEADERS and
// CONTINUATION frames that the peer reassembles.
func TestWriteHeaderBlock(t *testing.T) {
	var buf bytes.Buffer
	fr := http2.NewFramer(&buf, &buf)
	block := bytes.Repeat([]byte{0x82}, 40) // ":method: GET", 40 times
	if err := WriteHeaderBlock(fr, 1, block, 16, true); err != nil {
		t.Fatal(err)
	}
	var frames []string
	var got []byte
	for buf.Len() > 0 {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			frames = append(frames, "HEADERS")
			got = append(got, f.HeaderBlockFragment()...)
			if !f.StreamEnded() || f.HeadersEnded() {
				t.Fatalf("HEADERS end stream %v, end headers %v", f.StreamEnded(), f.HeadersEnded())
			}
		case *http2.ContinuationFrame:
			frames = append(frames, "CONTINUATION")
			got = append(got, f.HeaderBlockFragment()...)
		}
	}
	if len(frames) != 3 || !bytes.Equal(got, block) {
		t.Fatalf("frames %v, block %d bytes", frames, len(got))
	}
}
