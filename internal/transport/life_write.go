package transport

import (
	"errors"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// Write sends one encoded message, after the filters' OnSend. It blocks
// while flow control holds the message back; the caller keeps payload.
// After a failed send every later write fails the same way, except for a
// message over the size limit, which is refused alone.
func (l *life) Write(payload []byte) error { return l.write(payload, nil) }

// WriteOwned is Write of a message encoded into a pooled buffer (mem):
// payload lies in *buf, and the stream owns buf from the call on, whatever
// the result. It gives it back to the pool once the message is written
// or dropped; a large message is so sent without being copied first.
func (l *life) WriteOwned(payload []byte, buf *[]byte) error { return l.write(payload, buf) }

func (l *life) write(payload []byte, buf *[]byte) error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.done.Load() {
		mem.Put(buf)
		return ErrWriteAfterDone
	}
	if p := l.dead.Load(); p != nil {
		mem.Put(buf)
		return *p
	}
	err := l.Sending(payload)
	if err == nil {
		err = l.link.send(payload, buf)
	} else {
		mem.Put(buf)
	}
	if err != nil {
		if !errors.Is(err, ErrTooLarge) {
			if err = status.From(err); err == nil { // io.EOF: the stream is over
				err = errEnded
			}
			dead := err // its own variable: err stays off the heap on the hot path
			l.dead.CompareAndSwap(nil, &dead)
		}
		return err
	}
	return nil
}

// DoneWriting ends the write side (the consumer half-closes; on the
// provider the status follows when the handler returns). A second call
// returns ErrDoneTwice.
func (l *life) DoneWriting() error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.done.Swap(true) {
		return ErrDoneTwice
	}
	if l.dead.Load() != nil {
		return nil // nothing left to close
	}
	return status.From(l.link.closeSend())
}

// WriteErr returns the error a Write would return without sending
// anything, or nil if a Write may succeed. It never blocks.
func (l *life) WriteErr() error {
	if l.done.Load() {
		return ErrWriteAfterDone
	}
	if p := l.dead.Load(); p != nil {
		return *p
	}
	return status.FromContext(l.link.Context())
}
