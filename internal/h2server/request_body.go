package h2server

import (
	"io"

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
	s.mu.Lock()
	// Padding is granted back at once, on the stream too; data nobody will
	// read only on the connection.
	padding, dropped := n-int64(len(data)), int64(0)
	if s.rerr != nil || s.recvEnd {
		padding, dropped = 0, n
	} else {
		s.rb.Append(data)
	}
	s.mu.Unlock()
	s.signal()
	if dropped > 0 {
		return s.c.credit(nil, dropped)
	} else if padding > 0 {
		return s.c.credit(s, padding)
	}
	return nil
}

func (s *stream) onEnd() error {
	if s.contentLength >= 0 && s.received != s.contentLength {
		return h2conn.StreamError{ID: s.id, Code: http2.ErrCodeProtocol, Reason: "less DATA than content-length declares"}
	}
	s.mu.Lock()
	s.recvEnd = true
	s.mu.Unlock()
	s.signal()
	return nil
}

// credit takes n read bytes and returns what to grant back to the peer on
// the stream, if enough has added up and the peer is still sending.
func (s *stream) credit(n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recvCredit += n
	if s.recvEnd || s.rerr != nil || s.recvCredit < int64(s.c.srv.cfg.Limits.StreamWindow)/4 {
		return 0
	}
	grant := s.recvCredit
	s.recvCredit = 0
	return grant
}

// read is the request body's Read: it blocks until data, the end, or a
// failure.
func (s *stream) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	for s.rb.Empty() && !s.recvEnd && s.rerr == nil {
		s.rcond.Wait()
	}
	if !s.rb.Empty() && s.rerr == nil {
		n := s.rb.Take(p)
		s.mu.Unlock()
		_ = s.c.credit(s, int64(n))
		return n, nil
	}
	err := s.rerr
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return 0, io.EOF
}

// body is the request body.
type body struct{ s *stream }

func (b body) Read(p []byte) (int, error) { return b.s.read(p) }

// Close drops what has not been read; a pending or later Read fails.
func (b body) Close() error {
	b.s.release()
	return nil
}
