package transport

import (
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/h2client"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// lazyBody is the request body's write side, usable before Start has
// opened the HTTP/2 stream: writes wait for it.
type lazyBody struct {
	opened chan struct{}
	once   sync.Once
	st     *h2client.Stream
	err    error
}

func (b *lazyBody) open(st *h2client.Stream, err error) {
	took := false
	b.once.Do(func() {
		b.st, b.err = st, err
		if b.opened != nil {
			close(b.opened)
		}
		took = true
	})
	if !took && st != nil {
		// Closed (aborted) while the stream was opening: reset it now.
		_ = st.CloseWithError(b.err)
	}
}

// errFixedBody refuses writes to a request whose body went with its
// headers (a unary call): nothing may wait for a stream that never opens
// for writing.
var errFixedBody = status.New(status.Internal, "streamx: the request body was sent with the headers")

func (b *lazyBody) Write(p []byte) (int, error) {
	if b.opened == nil {
		return 0, errFixedBody
	}
	<-b.opened
	if b.st == nil {
		return 0, b.err
	}
	return b.st.Write(p)
}

func (b *lazyBody) Close() error {
	if b.opened == nil {
		return errFixedBody
	}
	<-b.opened
	if b.st == nil {
		return b.err
	}
	return b.st.Close()
}

// CloseWithError cancels the stream, or its opening.
func (b *lazyBody) CloseWithError(err error) error {
	b.open(nil, err)
	if b.st != nil {
		return b.st.CloseWithError(err)
	}
	return nil
}
