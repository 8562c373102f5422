package core

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// Errors of the write side, as dubbo-python raises them.
var (
	// ErrWriteAfterDone is returned by a write after DoneWriting.
	ErrWriteAfterDone = errors.New("streamx: write after DoneWriting")
	// ErrDoneTwice is returned by a second DoneWriting.
	ErrDoneTwice = errors.New("streamx: DoneWriting called twice")
)

// errEnded is what writes return once the stream has ended cleanly.
var errEnded = status.New(status.FailedPrecondition, "write on a stream that has already ended")

// Writer is the write side of a stream. All its methods are safe for
// concurrent use; writes are sent in the order their calls got the lock.
type Writer struct {
	s    transport.Stream
	mu   sync.Mutex
	done atomic.Bool // DoneWriting was called
	dead atomic.Pointer[error]
}

// NewWriter returns a Writer on s.
func NewWriter(s transport.Stream) *Writer { return &Writer{s: s} }

// Write sends one encoded message. It blocks while flow control holds the
// message back. After a failed send every later write fails the same way,
// except for a message over the size limit, which is refused alone.
func (w *Writer) Write(payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done.Load() {
		return ErrWriteAfterDone
	}
	if p := w.dead.Load(); p != nil {
		return *p
	}
	if err := w.s.Send(payload); err != nil {
		if !errors.Is(err, transport.ErrTooLarge) {
			if err = status.From(err); err == nil { // io.EOF: the stream is over
				err = errEnded
			}
			w.dead.Store(&err)
		}
		return err
	}
	return nil
}

// DoneWriting ends the write side (the client half-closes; on the provider
// the status follows when the handler returns). A second call returns
// ErrDoneTwice.
func (w *Writer) DoneWriting() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done.Swap(true) {
		return ErrDoneTwice
	}
	if p := w.dead.Load(); p != nil {
		return nil // nothing left to close
	}
	if err := w.s.CloseSend(); err != nil {
		return status.From(err)
	}
	return nil
}

// Check returns the error a Write would return without sending anything,
// or nil if a Write may succeed.
func (w *Writer) Check() error {
	if w.done.Load() {
		return ErrWriteAfterDone
	}
	if p := w.dead.Load(); p != nil {
		return *p
	}
	if w.s.Context().Err() != nil {
		return status.FromContext(w.s.Context())
	}
	return nil
}

// CanWriteMore reports whether Write may still succeed: DoneWriting was not
// called and no send has failed. It never blocks.
func (w *Writer) CanWriteMore() bool {
	return w.Check() == nil
}

// Fail marks the write side dead with err, e.g. when the stream ended.
func (w *Writer) Fail(err error) {
	w.dead.CompareAndSwap(nil, &err)
}
