package h2

import (
	"golang.org/x/net/http2"
)

// onData buffers a DATA frame's payload; n is its flow-controlled length
// (padding included), already taken from the stream's window. chunk, if
// not nil, holds data and is handed over (see Side.Data).
func (s *serverStream) onData(data []byte, chunk *[]byte, n int64) error {
	if s.contentLength >= 0 {
		if s.received += int64(len(data)); s.received > s.contentLength {
			recycleChunk(chunk)
			return StreamError{ID: s.id, Code: http2.ErrCodeProtocol, Reason: "more DATA than content-length declares"}
		}
	}
	requestBody := s.core.Body()
	var kept bool
	if chunk != nil {
		kept = requestBody.PutChunk(chunk)
	} else {
		kept = requestBody.Put(data)
	}
	if !kept {
		// Nobody will read it: given back on the connection only.
		return s.c.Credit(nil, n, 0)
	}
	if pad := n - int64(len(data)); pad > 0 {
		return s.c.Credit(&s.core, pad, requestBody.Used(pad))
	}
	return nil
}

func (s *serverStream) onEnd() error {
	if s.contentLength >= 0 && s.received != s.contentLength {
		return StreamError{ID: s.id, Code: http2.ErrCodeProtocol, Reason: "less DATA than content-length declares"}
	}
	s.core.Body().End()
	return nil
}

// body is the request body.
type requestBody struct{ s *serverStream }

// Read blocks until data, the end, or a failure.
func (b requestBody) Read(p []byte) (int, error) { return b.s.c.ReadBody(&b.s.core, p, nil) }

// ReadLent reads without a copy (see Body.ReadLent).
func (b requestBody) ReadLent() ([]byte, error) { return b.s.c.ReadBodyLent(&b.s.core, nil) }

// ReturnLent takes back what ReadLent lent (see Body.ReturnLent).
func (b requestBody) ReturnLent() { b.s.core.Body().ReturnLent() }

// Close drops what has not been read; a pending or later Read fails.
func (b requestBody) Close() error {
	b.s.release()
	return nil
}
