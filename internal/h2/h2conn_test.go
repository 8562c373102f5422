package h2

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// gate is a connection whose writes each wait for a release; it reports
// every write's bytes on got.
type gate struct {
	got     chan string
	release chan error
}

func newGate() *gate { return &gate{got: make(chan string, 16), release: make(chan error)} }

func (g *gate) Write(p []byte) (int, error) {
	g.got <- string(p)
	if err := <-g.release; err != nil {
		return 0, err
	}
	return len(p), nil
}

func put(w *Writer, s string) func() error {
	return func() error { _, err := io.WriteString(w.Sink(), s); return err }
}

// Writes without a flush wait for the next flush, which sends them in one
// write.
func TestWriterFlushes(t *testing.T) {
	var out countingWriter
	w := NewWriter(&out)
	for _, s := range []string{"a", "b"} {
		if err := w.Write(put(w, s), false); err != nil {
			t.Fatal(err)
		}
	}
	if out.writes.Load() != 0 {
		t.Fatal("unflushed writes reached the connection")
	}
	if err := w.Write(put(w, "c"), true); err != nil {
		t.Fatal(err)
	}
	if out.String() != "abc" || out.writes.Load() != 1 {
		t.Fatalf("after a flush: %q in %d writes", out.String(), out.writes.Load())
	}
}

// While a flush is in flight, other writers do not wait: their frames go
// out together in the flusher's next round. After its own rounds, the
// flusher hands the rest to a goroutine and returns.
func TestWriterBatchesBehindAFlush(t *testing.T) {
	g := newGate()
	w := NewWriter(g)
	done := make(chan error, 1)
	go func() { done <- w.Write(put(w, "a"), true) }()
	if got := <-g.got; got != "a" {
		t.Fatalf("first round %q", got)
	}
	for _, s := range []string{"b", "c"} { // return at once: a flush is in flight
		if err := w.Write(put(w, s), true); err != nil {
			t.Fatal(err)
		}
	}
	g.release <- nil
	if got := <-g.got; got != "bc" {
		t.Fatalf("second round %q, want the two writes behind the flush in one", got)
	}
	if err := w.Write(put(w, "d"), true); err != nil {
		t.Fatal(err)
	}
	g.release <- nil
	if err := <-done; err != nil { // its two rounds are done; d is handed over
		t.Fatal(err)
	}
	if got := <-g.got; got != "d" {
		t.Fatalf("handed-over round %q", got)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- w.Flush() }()
	select {
	case <-flushed:
		t.Fatal("Flush returned while a round was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	g.release <- nil
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
}

// A writer that would take the buffer over the limit while a flush is in
// flight waits for the round to end.
func TestWriterBackpressure(t *testing.T) {
	g := newGate()
	w := NewWriter(g)
	go func() { _ = w.Write(put(w, "a"), true) }()
	<-g.got
	big := strings.Repeat("x", writerLimit)
	if err := w.Write(put(w, big), false); err != nil { // fills the buffer
		t.Fatal(err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- w.Write(put(w, "y"), false) }()
	select {
	case <-blocked:
		t.Fatal("a write past the limit did not wait for the flush in flight")
	case <-time.After(20 * time.Millisecond):
	}
	g.release <- nil
	if got := <-g.got; got != big {
		t.Fatalf("second round %d bytes", len(got))
	}
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	g.release <- nil
	go func() {
		for range g.got {
			g.release <- nil
		}
	}()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	close(g.got)
}

// The connection's failure reaches the flushing writer, every later
// writer, and OnError when a handed-over round failed.
func TestWriterFailure(t *testing.T) {
	boom := errors.New("boom")
	g := newGate()
	w := NewWriter(g)
	onErr := make(chan error, 1)
	w.OnError = func(err error) { onErr <- err }
	done := make(chan error, 1)
	go func() { done <- w.Write(put(w, "a"), true) }()
	<-g.got
	_ = w.Write(put(w, "b"), true)
	g.release <- nil
	<-g.got
	_ = w.Write(put(w, "c"), true)
	g.release <- nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-g.got // the handed-over round fails
	g.release <- boom
	if err := <-onErr; !errors.Is(err, boom) {
		t.Fatalf("OnError got %v", err)
	}
	if err := w.Write(put(w, "d"), true); !errors.Is(err, boom) {
		t.Fatalf("a write after the failure: %v", err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush after the failure: %v", err)
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
