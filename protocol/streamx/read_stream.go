package streamx

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// ReadStream is the receiving side of a stream of T: dubbo-python's
// ReadStream in Go.
//
// Read, ReadTimeout, Messages and All must be used from one goroutine at a
// time; Close may be called from any goroutine. On a consumer, Close (and a
// break out of Messages or All) cancels the RPC; on a provider it only stops
// reading, and the handler still decides the status.
type ReadStream[T any] struct {
	s     transport.Stream
	codec *typed[T]
	err   error        // what ended Messages, for Err
	cfg   *callConfig  // a consumer call's options, or nil
	ic    *intercepted // the call's interceptors, or nil
}

func newReadStream[T any](s transport.Stream, c *typed[T]) *ReadStream[T] {
	return &ReadStream[T]{s: s, codec: c}
}

// Read blocks until the next message arrives and returns it. At the end of
// the stream it returns io.EOF (test with errors.Is), and again on every
// later call. A failed RPC returns an *Error carrying the status code and
// message, again on every later call. Cancelling the call's context makes a
// pending Read return at once with CodeCanceled.
func (rs *ReadStream[T]) Read() (T, error) {
	if rs.ic != nil {
		return rs.readIntercepted(false, 0)
	}
	b, err := rs.s.Read()
	return rs.decode(b, err)
}

// ReadTimeout is Read that waits at most d. When d passes first it returns
// ErrReadTimeout and the stream stays open: no message is lost, duplicated or
// reordered by any number of timed-out reads. d <= 0 only returns a message
// that has already arrived. A message that has arrived is returned on the
// caller's goroutine; otherwise one receive runs on a goroutine of its own
// until a message, the end or Close, and a later read collects it.
func (rs *ReadStream[T]) ReadTimeout(d time.Duration) (T, error) {
	if rs.ic != nil {
		return rs.readIntercepted(true, d)
	}
	b, err := rs.s.ReadTimeout(d)
	return rs.decode(b, err)
}

// readIntercepted reads through the call's interceptors.
func (rs *ReadStream[T]) readIntercepted(timed bool, d time.Duration) (T, error) {
	var zero T
	v, err := rs.ic.receive(timed, d)
	if err != nil {
		if !errors.Is(err, ErrReadTimeout) {
			if rs.cfg != nil {
				rs.recordStream()
			}
			if rs.ic.base.info.Side == Consumer {
				// The consumer's call is over once its reads end: the
				// interceptors learn so before the caller does.
				rs.ic.ended(ignoreEOF(err))
			}
		}
		return zero, err
	}
	msg, ok := v.(T)
	if !ok {
		return zero, rs.ic.end(wrongType[T](v))
	}
	return msg, nil
}

// readBelow is the innermost interceptor Conn's Receive: the read and
// decode the interceptors wrap.
func (rs *ReadStream[T]) readBelow() (any, error) {
	var (
		b   []byte
		err error
	)
	if timed, d := rs.ic.base.nextTimed(); timed {
		b, err = rs.s.ReadTimeout(d)
	} else {
		b, err = rs.s.Read()
	}
	msg, err := rs.decode(b, err)
	if err != nil {
		return nil, err
	}
	return msg, nil
}

func (rs *ReadStream[T]) decode(b []byte, err error) (T, error) {
	if err != nil {
		if rs.cfg != nil && !errors.Is(err, ErrReadTimeout) {
			rs.recordStream()
		}
		var zero T
		return zero, public(err)
	}
	msg, err := rs.codec.unmarshal(b)
	if err != nil {
		// A message we cannot decode ends the RPC: what follows is suspect.
		rerr := Errorf(CodeInvalidArgument, "cannot decode %d-byte message with the %s codec: %w", len(b), rs.codec.codec.Name(), err)
		rs.s.Abort(rerr)
		rs.s.CloseRead()
		return msg, rerr
	}
	return msg, nil
}

// Messages returns an iterator over the messages until the end of the
// stream, hiding io.EOF and timeouts as dubbo-python's iteration does. After
// the loop, Err tells whether the stream ended cleanly. Breaking out of the
// loop closes the stream.
func (rs *ReadStream[T]) Messages() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			msg, err := rs.Read()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					rs.err = err
				}
				return
			}
			if !yield(msg) {
				rs.Close()
				return
			}
		}
	}
}

// All returns an iterator over (message, nil) pairs; a failed stream yields
// one last (zero, err) pair. A clean end yields nothing more. Breaking out of
// the loop closes the stream.
func (rs *ReadStream[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			msg, err := rs.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(msg, err) {
				rs.Close()
				return
			}
			if err != nil {
				return
			}
		}
	}
}

// Err returns the error that ended the last Messages loop, or nil if the
// stream ended cleanly (or has not ended).
func (rs *ReadStream[T]) Err() error { return rs.err }

// Close releases the stream: a pending timed read's receive ends, later reads
// return CodeCanceled, and on a consumer the RPC is cancelled if it has not
// ended. It is safe to call more than once and from any goroutine.
func (rs *ReadStream[T]) Close() { rs.s.CloseRead() }

// Context returns the stream's context, done when the RPC ends.
func (rs *ReadStream[T]) Context() context.Context { return rs.s.Context() }

// Header returns the peer's headers, -bin values decoded: the request
// headers on a provider, the response headers on a consumer. A consumer's
// are there once Read has returned a message, io.EOF or an error (they may
// be earlier); before they arrive it returns nil. It never blocks. The
// result is a copy the caller owns: the transport shares the values of
// common headers between calls.
func (rs *ReadStream[T]) Header() http.Header { return rs.s.Header().Clone() }
