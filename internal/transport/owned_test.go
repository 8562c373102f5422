package transport

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// ownedSizes cross MinOwned, the frame size, the windows of serveEcho and
// the 4 MiB limit.
var ownedSizes = []int{0, 1, 5, MinOwned - 1, MinOwned, MinOwned + 1, 16 << 10, 64 << 10, 100000, 1 << 20, 4 << 20}

// Messages sent in pooled buffers (WriteOwned), by reference above
// MinOwned, arrive intact and in order on both sides, with copies (Write)
// between them, while every buffer given back is poisoned: a buffer the
// queue gave back before its bytes were written would show. Every buffer
// goes back once the call is over.
func TestOwnedMessagesArriveIntact(t *testing.T) {
	defer mem.SetPoison(mem.SetPoison(true))
	base := mem.Outstanding()
	owned := func(m []byte) (payload []byte, buf *[]byte) {
		buf = mem.Get(len(m))
		return (*buf)[:copy(*buf, m)], buf
	}
	addr := serveEcho(t, func(ss *ServerStream) error {
		for i := 0; ; i++ {
			m, err := ss.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return status.From(err)
			}
			if i%3 == 2 {
				err = ss.Write(m)
			} else {
				err = ss.WriteOwned(owned(m))
			}
			if err != nil {
				return status.From(err)
			}
		}
	})
	s := openStream(t, addr, testSettings)
	var want [][]byte
	for i, n := range ownedSizes {
		want = append(want, pattern(i, n))
	}
	errs := make(chan error, 1)
	go func() {
		for i, m := range want {
			var err error
			if i%4 == 3 {
				err = s.Write(m)
			} else {
				err = s.WriteOwned(owned(m))
			}
			if err != nil {
				errs <- err
				return
			}
		}
		errs <- s.DoneWriting()
	}()
	for i, m := range want {
		got, err := s.Read()
		if err != nil {
			t.Fatalf("message %d (%d bytes): %v", i, len(m), err)
		}
		if !bytes.Equal(got, m) {
			t.Fatalf("message %d (%d bytes) arrived altered", i, len(m))
		}
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the echoes: %v, want io.EOF", err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	// The provider gives its last buffers back as its handler returns.
	for deadline := time.Now().Add(10 * time.Second); mem.Outstanding() != base; {
		if time.Now().After(deadline) {
			t.Fatalf("%d pooled buffers not given back", mem.Outstanding()-base)
		}
		time.Sleep(time.Millisecond)
	}
}

// A message that cannot be sent still goes back to the pool: over the
// size limit, after DoneWriting, and on a stream that is over.
func TestOwnedBufferGoesBackOnRefusal(t *testing.T) {
	defer mem.SetPoison(mem.SetPoison(true))
	base := mem.Outstanding()
	addr := serveEcho(t, func(ss *ServerStream) error { return nil })
	set := testSettings
	set.MaxSendBytes = 100
	s := openStream(t, addr, set)
	buf := mem.Get(200)
	if err := s.WriteOwned((*buf)[:200], buf); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a 200-byte message over a 100-byte limit: %v, want ErrTooLarge", err)
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	buf = mem.Get(10)
	if err := s.WriteOwned((*buf)[:10], buf); !errors.Is(err, ErrWriteAfterDone) {
		t.Fatalf("after DoneWriting: %v, want ErrWriteAfterDone", err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read: %v, want io.EOF", err)
	}
	if n := mem.Outstanding() - base; n != 0 {
		t.Fatalf("%d pooled buffers not given back", n)
	}
}
