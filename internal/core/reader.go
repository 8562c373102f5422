// Package core gives transport streams dubbo-python's read and write
// semantics: timed reads that lose nothing, a sticky end, and a write side
// that is done once. It works on encoded messages; the typed streams of the
// public API sit on top.
package core

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// ErrReadTimeout is returned by a timed read whose time ran out. The stream
// stays open and no message is lost: a later read returns the next one.
var ErrReadTimeout = errors.New("streamx: read timed out (the stream is still open)")

// DefaultReadAhead is how many received messages a timed read may buffer.
const DefaultReadAhead = 16

type result struct {
	b   []byte
	err error
}

// Reader is the read side of a stream.
//
// Read and ReadTimeout must not be called concurrently with each other.
// Close may be called from any goroutine, at any time, more than once.
type Reader struct {
	s         transport.Stream
	readAhead int
	onClose   func(error) // called once by Close, e.g. to cancel the RPC

	// The read-ahead goroutine exists only after the first timed read: plain
	// reads receive on the caller's goroutine. It fills a bounded queue;
	// the two sides signal each other only when one of them waits.
	started bool
	mu      sync.Mutex
	queue   []result
	head    int
	waiting bool          // the reader waits on wake
	full    bool          // the pump waits on space
	wake    chan struct{} // pump -> reader
	space   chan struct{} // reader -> pump

	stop     chan struct{}
	stopOnce sync.Once
	final    atomic.Pointer[error] // io.EOF, or why the stream ended
}

// NewReader returns a Reader on s. onClose, if not nil, runs once when Close
// is called before the stream ended by itself.
func NewReader(s transport.Stream, readAhead int, onClose func(error)) *Reader {
	if readAhead <= 0 {
		readAhead = DefaultReadAhead
	}
	return &Reader{s: s, readAhead: readAhead, onClose: onClose, stop: make(chan struct{})}
}

// Err returns io.EOF after a clean end, the failure after a failed stream,
// and nil while the stream goes on.
func (r *Reader) Err() error {
	if p := r.final.Load(); p != nil {
		return *p
	}
	return nil
}

// Read blocks until a message arrives (returned, owned by the caller), the
// stream ends (io.EOF, then io.EOF again on every later call) or fails (a
// *status.Error, returned again on every later call).
func (r *Reader) Read() ([]byte, error) {
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !r.started {
		b, err := r.s.Receive()
		return r.settle(result{b, err})
	}
	return r.wait(nil)
}

// ReadTimeout is Read that gives up after d with ErrReadTimeout, leaving the
// stream open. d <= 0 polls: it returns a message only if one is buffered.
func (r *Reader) ReadTimeout(d time.Duration) ([]byte, error) {
	if err := r.Err(); err != nil {
		return nil, err
	}
	r.startPump()
	if res, ok := r.take(); ok { // a message is buffered: no timer needed
		return r.settle(res)
	}
	if d <= 0 {
		return nil, ErrReadTimeout
	}
	t := time.NewTimer(d)
	defer t.Stop()
	return r.wait(t.C)
}

// wait blocks for the pump's next result, Close, or timeout (nil: none).
func (r *Reader) wait(timeout <-chan time.Time) ([]byte, error) {
	for {
		if res, ok := r.take(); ok {
			return r.settle(res)
		}
		select {
		case <-r.wake:
		case <-r.stop:
			return nil, r.Err()
		case <-timeout:
			return nil, ErrReadTimeout
		}
	}
}

// take pops the oldest buffered result; with none it marks the reader as
// waiting so the pump wakes it.
func (r *Reader) take() (result, bool) {
	r.mu.Lock()
	if r.head == len(r.queue) {
		r.waiting = true
		r.mu.Unlock()
		return result{}, false
	}
	res := r.queue[r.head]
	r.queue[r.head] = result{}
	r.head++
	if r.head == len(r.queue) {
		r.queue, r.head = r.queue[:0], 0
	}
	signal := r.full
	r.full = false
	r.mu.Unlock()
	if signal {
		select {
		case r.space <- struct{}{}:
		default:
		}
	}
	return res, true
}

func (r *Reader) settle(res result) ([]byte, error) {
	if res.err == nil {
		return res.b, nil
	}
	if !errors.Is(res.err, io.EOF) {
		res.err = status.From(res.err)
	}
	r.final.CompareAndSwap(nil, &res.err)
	return nil, r.Err()
}

func (r *Reader) startPump() {
	if r.started {
		return
	}
	r.started = true
	r.wake = make(chan struct{}, 1)
	r.space = make(chan struct{}, 1)
	go r.run()
}

func (r *Reader) run() {
	for {
		select {
		case <-r.stop:
			return // closed: receive nothing more
		default:
		}
		b, err := r.s.Receive()
		r.mu.Lock()
		// The queue's bound keeps the pump from reading far ahead of the
		// reader, so HTTP/2 flow control still slows a fast peer down.
		for len(r.queue)-r.head >= r.readAhead {
			r.full = true
			r.mu.Unlock()
			select {
			case <-r.space:
			case <-r.stop:
				return
			}
			r.mu.Lock()
		}
		r.queue = append(r.queue, result{b, err})
		signal := r.waiting
		r.waiting = false
		r.mu.Unlock()
		if signal {
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// errClosed is what reads return after Close.
var errClosed = status.New(status.Canceled, "stream closed by its reader")

// Close releases the read side: reads return a Canceled error from now on
// (unless the stream had already ended) and the read-ahead goroutine, if
// any, stops. onClose runs if the stream had not ended.
func (r *Reader) Close() {
	r.stopOnce.Do(func() {
		var err error = errClosed
		ended := !r.final.CompareAndSwap(nil, &err)
		close(r.stop)
		if !ended && r.onClose != nil {
			r.onClose(errClosed)
		}
	})
}
