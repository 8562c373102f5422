package transport

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
)

// maxPendingSend bounds what Send queues ahead of the HTTP/2 stream.
const maxPendingSend = 64 << 10

// MinOwned is the smallest message queued by reference (its pooled
// encode buffer, WriteOwned) instead of copied into the queue: below it, a
// copy costs less than a piece of its own in the write, and small
// messages are what batches join; encoders need not pool them.
const MinOwned = 8 << 10

// batcher queues encoded messages for a writer goroutine that writes
// whatever has queued up in one call, so a burst of messages leaves in few
// frames and system calls. Both sides of a stream send through one.
//
// A batcher lives as long as its burst: the owner makes one when it queues
// a message and none is writing, and the writer hands it back to the owner
// (batchSink.writerIdle) once everything is written. An idle stream so
// keeps neither a goroutine, nor a batcher, nor the buffers of its last
// burst (up to two of maxPendingSend; they go to a pool for the next
// burst). A batcher whose write failed stays with the owner, to report
// the failure. A lone message (see pacer) is written by its caller
// instead, with the same loop (run), and leaves no batcher either.
//
// Large messages that come in a pooled buffer (mem) are not copied: the
// queue holds their prefix and the batcher a reference to the buffer,
// which it gives back to the pool once written or dropped.
//
// Its fields are guarded by the owner's mutex (mu), which the owner holds
// when calling its methods; the owner's other state under that mutex may
// be waited on through cond.
type batcher struct {
	mu      *sync.Mutex
	cond    sync.Cond // on mu: room in the queue, writer stopped
	queue   []byte
	refs    []ref  // the messages queued by reference, in order
	queued  int    // bytes queued, copied or referenced
	spare   []byte // the last batch, reused for the next queue
	writing bool   // the writer runs (its goroutine, or a lone message's caller)
	err     error  // the first failed write; nothing is written after it
	wg      sync.WaitGroup
	sink    batchSink
	bufs    *sendBufs // the pool entry queue and spare came from, if any
}

// sendBufs are the two buffers of a finished burst, pooled for the next
// burst of any stream: a busy stream need not grow new ones for every
// burst, and an idle one keeps none.
type sendBufs struct{ queue, spare []byte }

var sendBufPool sync.Pool // *sendBufs

// maxPooledBuf bounds the buffers kept for reuse: a burst of messages
// larger than maxPendingSend grows them past it, and those are rare.
const maxPooledBuf = 2 * maxPendingSend

// ref is a message queued by reference: its bytes follow queue[:at].
type ref struct {
	at  int
	msg []byte
	buf *[]byte // msg's pooled buffer, given back once written
}

// lonePause is how long a stream's writing must have been idle for its
// next message to count as lone: one that starts no burst (a ping-pong's
// message, a reply to a request) and that the caller writes itself,
// sparing the hand-off to a writer goroutine and back. Messages that come
// closer together are a burst, which the writer goroutine batches while
// the caller goes on.
const lonePause = 50 * time.Microsecond

// pacer tells a batcher's owner whether a message is lone. It is guarded
// as the owner's batcher is.
type pacer struct{ idleAt time.Time }

// idle records that the owner's writing went idle.
func (p *pacer) idle() { p.idleAt = time.Now() }

// lone reports whether a message that finds no batcher is lone. The
// first on a stream is not: a consumer's stream may still be connecting,
// and Write does not wait for that.
func (p *pacer) lone() bool { return !p.idleAt.IsZero() && time.Since(p.idleAt) > lonePause }

// sendQueued is a batcher's owner's send: queue queues the message (taken:
// the queue took buf; run: a batcher the caller runs, once queue has
// returned and unlocked, for a lone message); sendQueued gives buf back if
// the queue did not take it.
func sendQueued(payload []byte, buf *[]byte, queue func([]byte, *[]byte) (taken bool, run *batcher, err error)) error {
	taken, run, err := queue(payload, buf)
	if !taken {
		mem.Put(buf)
	}
	if run != nil {
		run.run() // a lone message: written by the caller
	}
	return err
}

// batchSink is a batcher's owner.
type batchSink interface {
	// writeBatch writes one batch, the pieces one after the other (it
	// may consume the slice); it runs without mu.
	writeBatch(pieces [][]byte) error
	// writerIdle runs with mu when the writer has written everything
	// queued: the owner drops its batcher.
	writerIdle()
}

// newBatcher returns a batcher that writes to sink; its caller holds mu
// and pushes at once.
func newBatcher(mu *sync.Mutex, sink batchSink) *batcher {
	b := &batcher{mu: mu, sink: sink}
	b.cond.L = mu
	if p, ok := sendBufPool.Get().(*sendBufs); ok {
		b.bufs, b.queue, b.spare = p, p.queue, p.spare
	}
	return b
}

// recycle pools the buffers of a finished burst.
func (b *batcher) recycle() {
	p := b.bufs
	if p == nil {
		p = new(sendBufs)
	}
	p.queue, p.spare = b.queue[:0], b.spare[:0]
	if cap(p.queue) > maxPooledBuf {
		p.queue = nil
	}
	if cap(p.spare) > maxPooledBuf {
		p.spare = nil
	}
	b.bufs, b.queue, b.spare = nil, nil, nil
	sendBufPool.Put(p)
}

// waitRoom blocks while a full batch is still queued (HTTP/2 flow control
// holds the writer back), until there is room, a write has failed, or stop
// reports true.
func (b *batcher) waitRoom(stop func() bool) {
	for b.queued >= maxPendingSend && b.err == nil && !stop() {
		b.cond.Wait()
	}
}

// push queues one message and starts the writer if it is not running: in
// a goroutine of its own, or, with inline, by the caller, who then calls
// run once it has unlocked mu (push reports it). buf, if not nil, is
// payload's pooled buffer, which the batcher owns from now on.
func (b *batcher) push(payload []byte, compressed bool, buf *[]byte, inline bool) (runInline bool) {
	if buf != nil && len(payload) >= MinOwned {
		b.queue = appendPrefix(b.queue, len(payload), compressed)
		b.refs = append(b.refs, ref{at: len(b.queue), msg: payload, buf: buf})
	} else {
		b.queue = AppendFrame(b.queue, payload, compressed)
		mem.Put(buf)
	}
	b.queued += HeaderLen + len(payload)
	if !b.writing {
		b.writing = true
		b.wg.Add(1)
		if inline {
			return true
		}
		go b.run()
	}
	return false
}

// drain waits until the owner's writing has stopped: *out (read again
// after every wake-up, since a Send meanwhile may have started the next
// batcher) is nil, or has failed.
func drain(out **batcher) {
	for b := *out; b != nil && b.writing; b = *out {
		b.cond.Wait()
	}
}

func (b *batcher) run() {
	defer b.wg.Done()
	b.mu.Lock()
	defer b.mu.Unlock()
	var pieces [][]byte
	var refs []ref
	for b.queued > 0 && b.err == nil {
		batch := b.queue
		refs, b.refs = b.refs, refs[:0]
		b.queue, b.queued = b.spare[:0], 0
		b.cond.Broadcast()
		b.mu.Unlock()
		pieces = pieces[:0]
		at := 0
		for _, r := range refs {
			pieces = append(pieces, batch[at:r.at], r.msg)
			at = r.at
		}
		pieces = append(pieces, batch[at:])
		err := b.sink.writeBatch(pieces)
		clear(pieces) // no reference to the buffers given back below
		for i := range refs {
			mem.Put(refs[i].buf)
			refs[i] = ref{}
		}
		b.mu.Lock()
		b.spare = batch
		if err != nil {
			b.err = err
			b.dropQueued()
		}
	}
	b.writing = false
	if b.err == nil {
		b.recycle()
		b.sink.writerIdle()
	}
	b.cond.Broadcast()
}

// dropQueued forgets what is queued, giving referenced buffers back.
func (b *batcher) dropQueued() {
	for i := range b.refs {
		mem.Put(b.refs[i].buf)
	}
	b.queue, b.refs, b.queued = nil, nil, 0
}

// appendPrefix appends a message's length prefix to dst.
func appendPrefix(dst []byte, n int, compressed bool) []byte {
	var hdr [HeaderLen]byte
	if compressed {
		hdr[0] = flagCompressed
	}
	binary.BigEndian.PutUint32(hdr[1:], uint32(n))
	return append(dst, hdr[:]...)
}
