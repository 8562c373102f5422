package h2

import (
	"sync"
	"sync/atomic"
)

// chunkSize is the size of the pooled chunks that hold received data.
const chunkSize = 16 << 10

var chunks = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

// RecvBuf holds a stream's received data until it is read, in pooled
// chunks: a stream whose reader has caught up holds none. Its owner
// guards it.
type RecvBuf struct {
	q   []*[]byte
	off int // read offset in q[0]
}

// Append copies data in.
func (b *RecvBuf) Append(data []byte) {
	for len(data) > 0 {
		if len(b.q) == 0 || len(*b.q[len(b.q)-1]) == chunkSize {
			b.q = append(b.q, getChunk())
		}
		last := b.q[len(b.q)-1]
		n := min(chunkSize-len(*last), len(data))
		*last = append(*last, data[:n]...)
		data = data[n:]
	}
}

// AppendChunk appends the data c holds, c being a chunk from the pool
// (see DataChunk), and takes c over. A chunk at least half full joins the
// queue as it is, without a copy; Take, TakeChunk and Release go by each
// chunk's length, so a short one in the middle of the queue is read
// whole. The data of one less full is copied (Append) and the chunk
// recycled: a peer sending small frames must not make each hold a chunk.
func (b *RecvBuf) AppendChunk(c *[]byte) {
	if len(*c) < chunkSize/2 {
		b.Append(*c)
		recycleChunk(c)
		return
	}
	b.q = append(b.q, c)
}

// Empty reports whether nothing is buffered.
func (b *RecvBuf) Empty() bool { return len(b.q) == 0 }

// Take copies buffered data into p, releasing the chunks it empties.
func (b *RecvBuf) Take(p []byte) int {
	n := 0
	for n < len(p) && len(b.q) > 0 {
		c := b.q[0]
		k := copy(p[n:], (*c)[b.off:])
		n += k
		b.off += k
		if b.off == len(*c) {
			recycleChunk(c)
			b.q[0] = nil
			b.q = b.q[1:]
			b.off = 0
		}
	}
	if len(b.q) == 0 {
		b.q = nil
	}
	return n
}

// Release drops what is buffered and returns how many bytes that was.
func (b *RecvBuf) Release() int {
	n := -b.off
	for _, c := range b.q {
		n += len(*c)
		recycleChunk(c)
	}
	b.q, b.off = nil, 0
	return n
}

// TakeChunk removes the first chunk's unread bytes from the buffer and
// returns them without a copy; c is the chunk, which the caller hands to
// recycleChunk once nobody reads data any more. The buffer must not be
// empty.
func (b *RecvBuf) TakeChunk() (data []byte, c *[]byte) {
	c = b.q[0]
	data = (*c)[b.off:]
	b.q[0] = nil
	b.q = b.q[1:]
	b.off = 0
	if len(b.q) == 0 {
		b.q = nil
	}
	return data, c
}

// getChunk takes an empty chunk from the pool.
func getChunk() *[]byte {
	c := chunks.Get().(*[]byte)
	*c = (*c)[:0]
	if t := chunkTrack.Load(); t != nil {
		t.took(c)
	}
	return c
}

// recycleChunk returns a chunk to the pool (one TakeChunk or a DataChunk
// gave out, or one a RecvBuf is done with); nil is no chunk.
func recycleChunk(c *[]byte) {
	if c == nil {
		return
	}
	if t := chunkTrack.Load(); t != nil {
		t.gave(c)
	}
	if poisonRecycled.Load() {
		for i := range (*c)[:cap(*c)] {
			(*c)[:cap(*c)][i] = 0xa5
		}
	}
	chunks.Put(c)
}

// chunkTrack, when set (by a test), follows the chunks getChunk hands
// out, so that the test sees one never given back, or given back twice.
var chunkTrack atomic.Pointer[chunkTracker]

type chunkTracker struct {
	mu    sync.Mutex
	out   map[*[]byte]bool // the chunks taken while tracking: true while out
	twice int              // chunks given back when they were not out
}

func (t *chunkTracker) took(c *[]byte) {
	t.mu.Lock()
	t.out[c] = true
	t.mu.Unlock()
}

func (t *chunkTracker) gave(c *[]byte) {
	t.mu.Lock()
	if out, ok := t.out[c]; ok { // one taken before tracking is not followed
		if !out {
			t.twice++
		}
		t.out[c] = false
	}
	t.mu.Unlock()
}

// counts returns how many chunks are out and how many were given back twice.
func (t *chunkTracker) counts() (out, twice int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.out {
		if o {
			out++
		}
	}
	return out, t.twice
}

// poisonRecycled makes recycleChunk overwrite a chunk before pooling it,
// so that a test sees bytes read after they were given back.
var poisonRecycled atomic.Bool
