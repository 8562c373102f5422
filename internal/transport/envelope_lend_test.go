package transport

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// pattern is message i's content: n bytes that differ from the poison and
// from every other message's.
func pattern(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*31 + j%251)
	}
	return b
}

// chunkyReader returns what it holds in reads of random sizes, as an
// HTTP/2 body does across frames and window updates.
type chunkyReader struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunkyReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(40000))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// Lent messages of every size, from empty to the 4 MiB default limit,
// arrive intact while other readers recycle buffers of the same pools,
// and every recycled buffer is poisoned: a message whose bytes went back
// to a pool while still lent fails the comparison.
func TestLentMessagesSurviveRecycling(t *testing.T) {
	poisonRecycled = true
	defer func() { poisonRecycled = false }()
	sizes := []int{0, 1, 15, 16, 17, 26, 27, 28, 32, 1023, 1024, 1025, 4096, 16383, 16384, 16385,
		32 << 10, 32<<10 + 1, 64 << 10, 100000, 1 << 20, 4<<20 - 1, 4 << 20}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			var stream []byte
			order := rng.Perm(len(sizes))
			for i, k := range order {
				stream = AppendFrame(stream, pattern(i, sizes[k]), false)
			}
			rd := NewReader(&chunkyReader{data: stream, rng: rng}, 4<<20, "")
			for i, k := range order {
				var got []byte
				var err error
				ok := false
				if rng.IntN(2) == 0 {
					got, ok = rd.Buffered(true)
				}
				if !ok {
					got, err = rd.Next()
				}
				if err != nil {
					errs <- fmt.Errorf("reader %d message %d (%d bytes): %v", r, i, sizes[k], err)
					return
				}
				if !bytes.Equal(got, pattern(i, sizes[k])) {
					errs <- fmt.Errorf("reader %d message %d (%d bytes) arrived changed", r, i, sizes[k])
					return
				}
			}
			if _, err := rd.Next(); err != io.EOF {
				errs <- fmt.Errorf("reader %d: end: %v", r, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A warm reader of small messages allocates nothing per message.
func TestSmallMessagesAllocateNothing(t *testing.T) {
	var stream []byte
	for range 1000 {
		stream = AppendFrame(stream, []byte("0123456789abcdef"), false)
	}
	src := bytes.NewReader(stream)
	rd := NewReader(src, 0, "")
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per 16-byte message, want 0", allocs)
	}
}
