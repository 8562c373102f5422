package transport

import (
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/h2client"
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

func (b *lazyBody) Write(p []byte) (int, error) {
	<-b.opened
	if b.st == nil {
		return 0, b.err
	}
	return b.st.Write(p)
}

func (b *lazyBody) Close() error {
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
