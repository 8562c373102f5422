package h2conn

import (
	"bufio"
	"sync"
	"sync/atomic"
)

// Writer serialises frame writes into a connection's buffered writer and
// flushes for a batch: a writer that asks for a flush while others are
// queued behind it leaves the flush to the last of them, so concurrent
// writers share one system call.
type Writer struct {
	bw      *bufio.Writer
	mu      sync.Mutex
	waiting atomic.Int32 // writers queued for mu, and the one holding it
	owed    bool         // on mu: a flush a writer left to those behind it
}

// NewWriter returns a Writer over bw.
func NewWriter(bw *bufio.Writer) *Writer { return &Writer{bw: bw} }

// Write runs fn with the connection's writer to itself. With flush, the
// buffer is flushed unless another writer is queued (then the last one
// flushes); without, fn's frames wait for the next flush. It returns fn's
// error, else the flush's.
func (w *Writer) Write(fn func() error, flush bool) error {
	w.waiting.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	err := fn()
	if !flush && !w.owed {
		w.waiting.Add(-1)
		return err
	}
	if w.waiting.Add(-1) != 0 {
		w.owed = true
		return err
	}
	w.owed = false
	if ferr := w.bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Flush writes out what is buffered, whoever is queued.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.owed = false
	return w.bw.Flush()
}
