package transport

import (
	"errors"
	"io"
	"testing"
)

// Writing 16-byte messages on a warm stream allocates nothing per
// message, counted across the whole process (the provider reading them
// included): the send queue, its buffers and the connection's frames are
// reused. A burst's batcher and writer goroutine are per burst, not per
// message, hence the bound below one.
func TestWrite16BytesAllocatesNothingPerMessage(t *testing.T) {
	if raceOn {
		t.Skip("-race makes sync.Pool drop items: allocation counts do not hold")
	}
	s := openStream(t, serveEcho(t, eachMessage(func([]byte) {})), testSettings)
	msg := []byte("0123456789abcdef")
	write := func() {
		if err := s.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	for range 10000 { // warm: the queue's buffers and the connection's grow
		write()
	}
	if n := testing.AllocsPerRun(20000, write); n >= 0.5 {
		t.Errorf("%.2f allocations per 16-byte Write, want none per message", n)
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read: %v, want io.EOF", err)
	}
}

// raceOn is set under -race (race_test.go).
var raceOn bool
