package transport

import (
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// maxPendingSend bounds what Send queues ahead of the HTTP/2 stream.
const maxPendingSend = 64 << 10

// batcher queues encoded messages for a writer goroutine that writes
// whatever has queued up in one call, so a burst of messages leaves in few
// frames and system calls. The goroutine exits when the queue is empty: an
// idle stream has none. Both sides of a stream send through one.
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

	write func(batch []byte) error // runs without mu
	idle  func()                   // runs with mu when the writer stops on an empty queue; may be nil
}

func (b *batcher) init(mu *sync.Mutex, write func([]byte) error, idle func()) {
	b.mu, b.write, b.idle = mu, write, idle
	b.cond.L = mu
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
	b.queue = wire.AppendFrame(b.queue, payload, compressed)
	if !b.writing {
		b.writing = true
		b.wg.Add(1)
		go b.run()
	}
}

// drain waits until the writer has written everything queued (or failed).
func (b *batcher) drain() {
	for b.writing {
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
		err := b.write(batch)
		b.mu.Lock()
		b.spare = batch
		if err != nil {
			b.err, b.queue = err, nil
		}
	}
	b.writing = false
	if b.err == nil && b.idle != nil {
		b.idle()
	}
	b.cond.Broadcast()
}
