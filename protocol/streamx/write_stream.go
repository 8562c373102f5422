package streamx

import (
	"errors"

	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// WriteStream is the sending side of a stream of T: dubbo-python's
// write/done_writing in Go. Its methods are safe for concurrent use; a
// blocked Write holds back DoneWriting until it returns.
type WriteStream[T any] struct {
	s     transport.Stream
	codec *typed[T]
	ic    *intercepted // the call's interceptors, or nil
}

// Write encodes and sends msg. It blocks while the peer's flow control holds
// the message back. After DoneWriting it returns ErrWriteAfterDone. A nil
// message or one the codec cannot encode returns a CodeInvalidArgument error
// and the stream goes on; so does a message over the send size limit
// (CodeResourceExhausted). Once the stream has ended or failed, Write returns
// an *Error and CanWriteMore reports false.
func (ws *WriteStream[T]) Write(msg T) error {
	if ws.ic != nil {
		return ws.ic.send(msg)
	}
	return ws.writeBelow(msg)
}

// writeAny is the innermost interceptor Conn's Send.
func (ws *WriteStream[T]) writeAny(v any) error {
	msg, ok := v.(T)
	if !ok {
		return wrongType[T](v)
	}
	return ws.writeBelow(msg)
}

// writeBelow encodes and writes msg.
func (ws *WriteStream[T]) writeBelow(msg T) error {
	if err := ws.s.WriteErr(); err != nil {
		return public(err)
	}
	b, p, owned, err := ws.codec.encode(msg)
	if err != nil {
		releaseScratch(p, b) // never owned on failure
		var se *Error
		if errors.As(err, &se) {
			return err
		}
		return Errorf(CodeInvalidArgument, "cannot encode %T with the %s codec: %w", msg, ws.codec.codec.Name(), err)
	}
	if owned {
		return public(ws.s.WriteOwned(b, p))
	}
	err = ws.s.Write(b)
	releaseScratch(p, b)
	return public(err)
}

// DoneWriting tells the peer no more messages follow. A second call returns
// ErrDoneTwice. On a consumer it half-closes the stream; replies can still
// be read. On a provider the status is sent when the handler returns.
func (ws *WriteStream[T]) DoneWriting() error { return public(ws.s.DoneWriting()) }

// CanWriteMore reports whether Write may still succeed. It never blocks.
func (ws *WriteStream[T]) CanWriteMore() bool { return ws.s.WriteErr() == nil }

// ReadWriteStream reads In and writes Out: a bidi stream, or a client stream
// on the consumer (writes requests, reads the one reply). Reading and
// writing may happen in two goroutines at once.
type ReadWriteStream[In, Out any] struct {
	*ReadStream[In]
	*WriteStream[Out]
}
