package h2

import "sync"

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
			c := chunks.Get().(*[]byte)
			*c = (*c)[:0]
			b.q = append(b.q, c)
		}
		last := b.q[len(b.q)-1]
		n := min(chunkSize-len(*last), len(data))
		*last = append(*last, data[:n]...)
		data = data[n:]
	}
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
			chunks.Put(c)
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
		chunks.Put(c)
	}
	b.q, b.off = nil, 0
	return n
}
