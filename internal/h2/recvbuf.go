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
	if countChunks.Load() {
		chunksOut.Add(1)
	}
	return c
}

// recycleChunk returns a chunk to the pool (one TakeChunk or a DataChunk
// gave out, or one a RecvBuf is done with); nil is no chunk.
func recycleChunk(c *[]byte) {
	if c == nil {
		return
	}
	if countChunks.Load() {
		chunksOut.Add(-1)
	}
	if poisonRecycled.Load() {
		for i := range (*c)[:cap(*c)] {
			(*c)[:cap(*c)][i] = 0xa5
		}
	}
	chunks.Put(c)
}

// countChunks makes getChunk and recycleChunk count in chunksOut the
// chunks out of the pool, so that a test sees one never given back.
var (
	countChunks atomic.Bool
	chunksOut   atomic.Int64
)

// poisonRecycled makes recycleChunk overwrite a chunk before pooling it,
// so that a test sees bytes read after they were given back.
var poisonRecycled atomic.Bool
