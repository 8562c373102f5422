package transport

import (
	"net/http"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// errHeaderSent refuses response headers once they are on the wire.
var errHeaderSent = status.New(status.FailedPrecondition, "streamx: response headers already sent (set them before the first message)")

// SetHeader adds h to the response headers; -bin values are raw bytes.
// It fails once the headers have been sent (with the first message, or
// the status).
func (s *ServerStream) SetHeader(h http.Header) error {
	if err := checkUserHeader(h); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wroteHeader {
		return errHeaderSent
	}
	if s.respHeader == nil {
		s.respHeader = make(http.Header, len(h))
	}
	addUser(s.respHeader, h)
	return nil
}

// SetTrailer adds h to the response trailers; -bin values are raw bytes.
// It fails once the status has been sent.
func (s *ServerStream) SetTrailer(h http.Header) error {
	if err := checkUserHeader(h); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return status.New(status.FailedPrecondition, "streamx: the call has ended; trailers can no longer be set")
	}
	if s.respTrailer == nil {
		s.respTrailer = make(http.Header, len(h))
	}
	addUser(s.respTrailer, h)
	return nil
}

// checkUserHeader refuses names the protocol owns and text values HTTP/2
// cannot carry.
func checkUserHeader(h http.Header) error {
	for k, vs := range h {
		if err := wire.CheckUserName(k); err != nil {
			return status.Wrap(status.InvalidArgument, err)
		}
		if wire.IsBinKey(k) {
			continue
		}
		for _, v := range vs {
			if err := wire.CheckValue(k, v); err != nil {
				return status.Wrap(status.InvalidArgument, err)
			}
		}
	}
	return nil
}

func addUser(dst, src http.Header) {
	for k, vs := range wire.EncodeBin(src) {
		k = http.CanonicalHeaderKey(k)
		dst[k] = append(dst[k], vs...)
	}
}

// writeUserHeaderLocked copies the headers SetHeader collected into the
// response header map, before it is sent.
func (s *ServerStream) writeUserHeaderLocked(h http.Header) {
	for k, vs := range s.respHeader {
		h[k] = vs
	}
}

// writeUserTrailerLocked copies SetTrailer's trailers into h: as headers in
// a trailers-only response (asTrailers false), else under
// http.TrailerPrefix.
func (s *ServerStream) writeUserTrailerLocked(h http.Header, asTrailers bool) {
	for k, vs := range s.respTrailer {
		if asTrailers {
			k = http.TrailerPrefix + k
		}
		h[k] = vs
	}
}
