package transport

import (
	"net/http"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// Header returns a copy of the response headers, -bin values decoded (a
// value that is not base64 is left as sent), or nil before they arrive.
// It never blocks.
func (s *ClientStream) Header() http.Header {
	select {
	case <-s.ready:
		if s.resp != nil {
			h := s.resp.Header.Clone() // the h2 client may share the map it read
			_ = wire.DecodeBin(h)
			return h
		}
	default:
	}
	return nil
}

// Trailer returns a copy of the response trailers (without the status
// fields, -bin values decoded) once a read has returned io.EOF or an
// error, and nil before. In a trailers-only response (the status in the
// headers) the trailers are those headers.
func (s *ClientStream) Trailer() http.Header {
	if !s.respRead.Load() || s.resp == nil {
		return nil
	}
	src := s.resp.Trailer
	if _, ok := s.resp.Header[wire.HeaderStatus]; ok && len(src) == 0 {
		src = s.resp.Header
	}
	t := make(http.Header, len(src))
	for k, vs := range src {
		switch k {
		case wire.HeaderStatus, wire.HeaderMessage, wire.HeaderStatusDetails, wire.HeaderContentType:
			continue
		}
		t[k] = append([]string(nil), vs...)
	}
	_ = wire.DecodeBin(t)
	return t
}
