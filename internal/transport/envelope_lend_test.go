package transport

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/status"
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
	defer mem.SetPoison(mem.SetPoison(true))
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

// lendingReader lends its data in views of random sizes, each in a chunk
// of its own, and poisons a chunk when the next ReadLent takes it back, as
// h2's bodies recycle theirs.
type lendingReader struct {
	data []byte
	rng  *rand.Rand
	prev []byte
}

func (l *lendingReader) ReturnLent() {
	mem.Poison(l.prev)
	l.prev = nil
}

func (l *lendingReader) ReadLent() ([]byte, error) {
	l.ReturnLent()
	if len(l.data) == 0 {
		return nil, io.EOF
	}
	n := min(len(l.data), 1+l.rng.IntN(20000))
	chunk := append([]byte(nil), l.data[:n]...)
	l.data = l.data[n:]
	l.prev = chunk
	return chunk, nil
}

// Read copies, as a body's Read does; it also takes back the lent chunk
// (h2's Body keeps it until the next ReadLent: poisoning it here is
// stricter).
func (l *lendingReader) Read(p []byte) (int, error) {
	mem.Poison(l.prev)
	l.prev = nil
	if len(l.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, l.data[:min(len(l.data), 1+l.rng.IntN(40000))])
	l.data = l.data[n:]
	return n, nil
}

// Over a body that lends its chunks, messages of every size arrive
// intact, whether they lie whole in one chunk (lent there) or span
// several (gathered), while every chunk taken back is poisoned.
func TestLenderMessagesIntact(t *testing.T) {
	sizes := []int{0, 1, 4, 5, 6, 16, 31, 32, 33, 1000, 4096, 4101, 16383, 16384, 20000, 20001, 64 << 10, 1 << 20, 4 << 20}
	for seed := range 4 {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		var stream []byte
		order := rng.Perm(len(sizes))
		for i, k := range order {
			stream = AppendFrame(stream, pattern(i, sizes[k]), false)
		}
		rd := NewReader(&lendingReader{data: stream, rng: rng}, 4<<20, "")
		if rd.lender == nil {
			t.Fatal("the Reader did not take the lender's bytes")
		}
		for i, k := range order {
			var got []byte
			ok := false
			if rng.IntN(2) == 0 {
				got, ok = rd.Buffered(true)
			}
			if !ok {
				var err error
				if got, err = rd.Next(); err != nil {
					t.Fatalf("seed %d message %d (%d bytes): %v", seed, i, sizes[k], err)
				}
			}
			if !bytes.Equal(got, pattern(i, sizes[k])) {
				t.Fatalf("seed %d message %d (%d bytes) arrived changed", seed, i, sizes[k])
			}
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("seed %d: end: %v", seed, err)
		}
	}
	// A stream cut inside a prefix or a message is an error, not a clean end.
	for _, cut := range []int{3, 8} {
		stream := AppendFrame(nil, pattern(0, 10), false)[:cut]
		rd := NewReader(&lendingReader{data: stream, rng: rand.New(rand.NewPCG(1, 1))}, 0, "")
		if _, err := rd.Next(); status.CodeOf(err) != status.Internal {
			t.Fatalf("cut at %d: %v, want internal", cut, err)
		}
	}
}
