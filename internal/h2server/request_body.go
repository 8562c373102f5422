package h2server

import (
	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
)

// onData buffers a DATA frame's payload; n is its flow-controlled length
// (padding included), already taken from the stream's window.
func (s *stream) onData(data []byte, n int64) error {
	if s.contentLength >= 0 {
		if s.received += int64(len(data)); s.received > s.contentLength {
			return h2conn.StreamError{ID: s.id, Code: http2.ErrCodeProtocol, Reason: "more DATA than content-length declares"}
		}
	}
	body := s.core.Body()
	if !body.Put(data) {
		// Nobody will read it: given back on the connection only.
		return s.c.Credit(nil, n, 0)
	}
	if pad := n - int64(len(data)); pad > 0 {
		return s.c.Credit(&s.core, pad, body.Used(pad))
	}
	return nil
}

func (s *stream) onEnd() error {
	if s.contentLength >= 0 && s.received != s.contentLength {
		return h2conn.StreamError{ID: s.id, Code: http2.ErrCodeProtocol, Reason: "less DATA than content-length declares"}
	}
	s.core.Body().End()
	return nil
}

// body is the request body.
type body struct{ s *stream }

// Read blocks until data, the end, or a failure.
func (b body) Read(p []byte) (int, error) { return b.s.c.ReadBody(&b.s.core, p, nil) }

// Close drops what has not been read; a pending or later Read fails.
func (b body) Close() error {
	b.s.release()
	return nil
}
