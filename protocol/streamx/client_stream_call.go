package streamx

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"

	"dubbo.apache.org/dubbo-go/v3/client"
)

// ClientStreamCall is a consumer's client-streaming call, typed for its one
// reply: Write the requests, then Reply. It is what generated clients
// return; ClientStreamMethod.Open gives the same call as a ReadWriteStream.
//
// Write, DoneWriting and CanWriteMore are safe for concurrent use, as on a
// WriteStream. Reply must not be called concurrently with itself; Close may
// be called from any goroutine.
type ClientStreamCall[Req, Res any] struct {
	*WriteStream[Req]
	rs    *ReadStream[Res]
	done  bool
	reply Res
	err   error
}

// Start starts a client-streaming call through conn; write the requests,
// then call Reply. Close (or a done ctx) cancels the call; a call whose
// Reply returned needs no Close. opts are as for UnaryMethod.Call.
func (m *ClientStreamMethod[Req, Res]) Start(ctx context.Context, conn *client.Connection, opts ...CallOption) (*ClientStreamCall[Req, Res], error) {
	rw, err := m.Open(ctx, conn, opts...)
	if err != nil {
		return nil, err
	}
	return &ClientStreamCall[Req, Res]{WriteStream: rw.WriteStream, rs: rw.ReadStream}, nil
}

// CallWith runs a client-streaming call whose requests come from seq, as
// OpenWith does, and returns the one reply. It blocks until the reply and
// the end of the call, a failure, or ctx is done.
func (m *ClientStreamMethod[Req, Res]) CallWith(ctx context.Context, conn *client.Connection, seq iter.Seq[Req], opts ...CallOption) (Res, error) {
	rs, err := m.OpenWith(ctx, conn, seq, opts...)
	if err != nil {
		var zero Res
		return zero, err
	}
	return oneReply(rs)
}

// Reply ends the requests (DoneWriting, unless already called), blocks until
// the provider's reply and the end of the call, and returns the reply. A
// failed call returns its *Error; a provider that ends the call with no
// reply, or sends two, fails it with CodeInternal. Later calls return the
// same. Once Reply has returned, Trailer holds the trailers.
func (c *ClientStreamCall[Req, Res]) Reply() (Res, error) {
	if !c.done {
		// ErrDoneTwice means the caller already ended the requests; any
		// other failure shows up as the read's error.
		_ = c.DoneWriting()
		c.reply, c.err = oneReply(c.rs)
		c.done = true
	}
	return c.reply, c.err
}

// Close cancels the call if it has not ended. It is safe to call more than
// once and from any goroutine.
func (c *ClientStreamCall[Req, Res]) Close() { c.rs.Close() }

// Context returns the call's context, done when the call ends.
func (c *ClientStreamCall[Req, Res]) Context() context.Context { return c.rs.Context() }

// Header returns the response headers, -bin values decoded, once they have
// arrived (at the latest when Reply returns); before that, nil. It never
// blocks.
func (c *ClientStreamCall[Req, Res]) Header() http.Header { return c.rs.Header() }

// Trailer returns the response trailers, -bin values decoded, once Reply
// has returned; before that, nil.
func (c *ClientStreamCall[Req, Res]) Trailer() http.Header { return c.rs.Trailer() }

// oneReply reads the one reply of a client stream and the end after it.
func oneReply[Res any](rs *ReadStream[Res]) (Res, error) {
	var zero Res
	reply, err := rs.Read()
	if errors.Is(err, io.EOF) {
		return zero, NewError(CodeInternal, "streamx: the provider ended the client stream without a reply")
	}
	if err != nil {
		return zero, err
	}
	switch _, err := rs.Read(); {
	case err == nil:
		rs.Close()
		return zero, NewError(CodeInternal, "streamx: the provider sent more than one reply to a client stream")
	case !errors.Is(err, io.EOF):
		return zero, err
	}
	return reply, nil
}
