package transport

import (
	"sync"
)

// maxPendingSend bounds what Send queues ahead of the HTTP/2 stream.
const maxPendingSend = 64 << 10

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
// the failure.
//
// Its fields are guarded by the owner's mutex (mu), which the owner holds
// when calling its methods; the owner's other state under that mutex may
// be waited on through cond.
type batcher struct {
	mu      *sync.Mutex
	cond    sync.Cond // on mu: room in the queue, writer stopped
	queue   []byte
	spare   []byte // the last batch, reused for the next queue
	writing bool   // the writer goroutine runs
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

// batchSink is a batcher's owner.
type batchSink interface {
	// writeBatch writes one batch; it runs without mu.
	writeBatch(batch []byte) error
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
	for len(b.queue) >= maxPendingSend && b.err == nil && !stop() {
		b.cond.Wait()
	}
}

// push queues one message and starts the writer if it is not running.
func (b *batcher) push(payload []byte, compressed bool) {
	b.queue = AppendFrame(b.queue, payload, compressed)
	if !b.writing {
		b.writing = true
		b.wg.Add(1)
		go b.run()
	}
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
	for len(b.queue) > 0 && b.err == nil {
		batch := b.queue
		b.queue = b.spare[:0]
		b.cond.Broadcast()
		b.mu.Unlock()
		err := b.sink.writeBatch(batch)
		b.mu.Lock()
		b.spare = batch
		if err != nil {
			b.err, b.queue = err, nil
		}
	}
	b.writing = false
	if b.err == nil {
		b.recycle()
		b.sink.writerIdle()
	}
	b.cond.Broadcast()
}
