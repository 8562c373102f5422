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

type result struct {
	b   []byte
	err error
}

// Reader is the read side of a stream.
//
// Read and ReadTimeout must not be called concurrently with each other.
// Close may be called from any goroutine, at any time, more than once.
type Reader struct {
	s       transport.Stream
	onClose func(error) // called once by Close, e.g. to cancel the RPC

	// A timed read takes a message that has fully arrived without blocking
	// or any hand-off, so it costs what a plain read costs. Only when none
	// has, it starts one Receive on a goroutine and waits for it up to its
	// timeout; a read that times out leaves that Receive pending, and the
	// next read collects its result. At most one Receive is ever pending,
	// so nothing is read ahead beyond the transport's own buffer, and
	// HTTP/2 flow control slows a fast peer down as usual.
	pending bool        // a Receive runs on another goroutine
	results chan result // its result; capacity 1, so it never blocks

	stopMu sync.Mutex
	stop   chan struct{}         // on stopMu: made by the first wait that needs it, closed by Close
	closed bool                  // on stopMu
	final  atomic.Pointer[error] // io.EOF, or why the stream ended
}

// NewReader returns a Reader on s. onClose, if not nil, runs once when Close
// is called before the stream ended by itself.
func NewReader(s transport.Stream, onClose func(error)) *Reader {
	return &Reader{s: s, onClose: onClose}
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
	if r.pending {
		return r.collect(nil)
	}
	return r.settle(r.s.Receive())
}

// ReadTimeout is Read that gives up after d with ErrReadTimeout, leaving the
// stream open. d <= 0 polls: it returns a message only if one has arrived.
func (r *Reader) ReadTimeout(d time.Duration) ([]byte, error) {
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !r.pending {
		if b, ok, err := r.s.TryReceive(); ok {
			return r.settle(b, err)
		}
		r.receiveAsync()
	}
	if d <= 0 {
		select {
		case res := <-r.results:
			r.pending = false
			return r.settle(res.b, res.err)
		default:
			return nil, ErrReadTimeout
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	return r.collect(t.C)
}

// receiveAsync starts the one pending Receive.
func (r *Reader) receiveAsync() {
	if r.results == nil {
		r.results = make(chan result, 1)
	}
	r.pending = true
	go func() {
		b, err := r.s.Receive()
		r.results <- result{b, err}
	}()
}

// collect waits for the pending Receive, Close, or timeout (nil: none).
func (r *Reader) collect(timeout <-chan time.Time) ([]byte, error) {
	select {
	case res := <-r.results:
		r.pending = false
		return r.settle(res.b, res.err)
	case <-r.stopped():
		return nil, r.Err()
	case <-timeout:
		return nil, ErrReadTimeout
	}
}

func (r *Reader) settle(b []byte, err error) ([]byte, error) {
	if err == nil {
		return b, nil
	}
	return nil, r.fail(err)
}

// fail records why the stream ended; its own error value so that the
// success path allocates nothing.
func (r *Reader) fail(err error) error {
	if !errors.Is(err, io.EOF) {
		err = status.From(err)
	}
	r.final.CompareAndSwap(nil, &err)
	return r.Err()
}

// errClosed is what reads return after Close.
var errClosed = status.New(status.Canceled, "stream closed by its reader")

// Close releases the read side: reads return a Canceled error from now on
// (unless the stream had already ended). onClose runs if the stream had not
// ended; a pending Receive returns once the transport stream ends.
func (r *Reader) Close() {
	r.stopMu.Lock()
	if r.closed {
		r.stopMu.Unlock()
		return
	}
	r.closed = true
	var err error = errClosed
	ended := !r.final.CompareAndSwap(nil, &err)
	if r.stop != nil {
		close(r.stop) // after final is set: a woken wait returns errClosed
	}
	r.stopMu.Unlock()
	if !ended && r.onClose != nil {
		r.onClose(errClosed)
	}
}

// stopped returns a channel closed by Close. It is made on first use, so
// that a stream never read with a timeout does not carry one.
func (r *Reader) stopped() <-chan struct{} {
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	if r.stop == nil {
		r.stop = make(chan struct{})
		if r.closed {
			close(r.stop)
		}
	}
	return r.stop
}
