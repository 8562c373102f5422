package h2

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// headerPool holds response header maps of ended responses, cleared.
var headerPool = sync.Pool{New: func() any { return make(http.Header, 4) }}

// maxPooledHeader bounds the entries of a map put back in headerPool
// (clearing a map does not shrink it).
const maxPooledHeader = 8

// newHeader returns an empty response header map.
func newHeader() http.Header { return headerPool.Get().(http.Header) }

// releaseHeader hands the response header map to the next response, once
// the handler has returned: a handler may use the map until then, and not
// after (net/http's rule). A fresh map per unary response was garbage on
// every call.
func (s *serverStream) releaseHeader() {
	if h := s.header; h != nil && len(h) <= maxPooledHeader {
		clear(h)
		headerPool.Put(h)
	}
	s.header = nil
}

// sendHeader writes the response HEADERS ahead of the response's end
// (a first Write or Flush); wmu is held.
func (s *serverStream) sendHeader() error {
	s.declared = declaredTrailers(s.header)
	return s.encodeHeader(false)
}

// encodeHeader writes the response HEADERS, s.declared being set; wmu is
// held. Unless the stream ends with them, the header map then keeps only
// the trailers already set, or is dropped when there are none (so an idle
// stream keeps no map); later trailers go into the map Header returns.
func (s *serverStream) encodeHeader(endStream bool) error {
	s.sentHeader = true
	err := s.c.encodeHeaders(s.id, s.status, s.header, s.headerName, endStream)
	if !endStream {
		// Keep only the trailers already set, in the same map; none
		// (the usual case for a stream) keeps no map.
		for k := range s.header {
			if _, ok := s.trailerName(k); !ok {
				delete(s.header, k)
			}
		}
		if len(s.header) == 0 {
			s.header = nil
		}
	}
	return err
}

// headerName returns the name a key of the header map is sent under in
// the response headers: all but the trailers.
func (s *serverStream) headerName(k string) (string, bool) {
	_, trailer := s.trailerName(k)
	return k, !trailer
}

// declaredTrailers returns the canonical names h's Trailer header lists
// (under its canonical key, as net/http reads it).
func declaredTrailers(h http.Header) []string {
	var names []string
	for _, list := range h["Trailer"] {
		for _, name := range strings.Split(list, ",") {
			if k := http.CanonicalHeaderKey(strings.TrimSpace(name)); k != "" {
				names = append(names, k)
			}
		}
	}
	return names
}

// trailerName returns the name a key of the header map is sent under as
// a trailer: keys with http.TrailerPrefix, and the names the Trailer
// header declared.
func (s *serverStream) trailerName(k string) (string, bool) {
	if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
		return name, true
	}
	return k, slices.Contains(s.declared, k)
}

// hasTrailers reports whether the header map holds trailers to send.
func (s *serverStream) hasTrailers() bool {
	for k := range s.header {
		if _, ok := s.trailerName(k); ok {
			return true
		}
	}
	return false
}

func (s *serverStream) writeHeader(code int) {
	if s.wroteHeader || s.ended {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 {
		return // informational answers are not sent
	}
	s.wroteHeader = true
	s.status = code
	if s.header == nil {
		s.header = newHeader()
	}
}

func statusText(code int) string {
	if code == http.StatusOK {
		return "200"
	}
	return strconv.Itoa(code)
}
