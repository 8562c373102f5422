package h2server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

var (
	errBodyClosed    = errors.New("h2server: request body closed")
	errWriteDeadline = errors.New("h2server: write deadline exceeded")
	errAfterEnd      = errors.New("h2server: write after the handler returned")
)

// stream is one request and its response. The response side belongs to
// the handler's goroutine; the request body may be read from one other
// goroutine at a time.
type stream struct {
	c           *conn
	core        h2conn.Stream // windows and state: on c.Mu
	id          uint32
	recvEnd     bool // on mu
	handlerDone bool // on mu
	req         *http.Request

	// The request's context (see streamContext).
	deadline time.Duration                // since epoch; 0: none
	ctxMu    sync.Mutex                   // guards ctxEnd, and ctxInner's making
	ctxInner atomic.Pointer[innerContext] // nil until something waits on Done

	werr error // guarded by c.Mu: why writes fail

	// The request's declared content-length (-1: none) and what has come.
	contentLength, received int64 // the reader's

	mu         sync.Mutex
	rb         h2conn.RecvBuf // received data not yet read
	recvCredit int64          // bytes read, not yet granted back
	rerr       error          // why reads fail; sticky
	rcond      sync.Cond      // on mu: data, the end or a failure arrived
	timer      *time.Timer    // write deadline

	// The response: the handler's goroutine only.
	header      http.Header // nil once the headers are sent, until trailers are set
	declared    []string    // the trailer names the sent headers declared
	status      int
	wroteHeader bool // WriteHeader was called
	sentHeader  bool // the HEADERS frame is written
	ended       bool
	ctxEnd      uint8 // on ctxMu: why the context ended, before ctxInner
}

func (c *conn) newStream(f *h2conn.Headers) (*stream, error) {
	method, path := f.PseudoValue("method"), f.PseudoValue("path")
	scheme, authority := f.PseudoValue("scheme"), f.PseudoValue("authority")
	if method == "" || path == "" || scheme == "" || method == "CONNECT" {
		return nil, errors.New("malformed request pseudo-headers")
	}
	s := &stream{c: c, id: f.StreamID, core: h2conn.Stream{ID: f.StreamID}}
	u, err := c.requestURL(path)
	if err != nil {
		return nil, err
	}
	h := c.canon.Header(f.RegularFields())
	if authority == "" {
		authority = wire.Get(h, "Host")
	}
	contentLength := int64(-1)
	if cl := wire.Get(h, "Content-Length"); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("malformed content-length")
		}
		contentLength = n
	}
	s.contentLength = contentLength
	s.rcond.L = &s.mu
	if d, ok := c.timeout(h); ok {
		s.setDeadline(d)
	}
	r := http.Request{
		Method:        method,
		URL:           u,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        h,
		Body:          body{s},
		ContentLength: contentLength,
		Host:          authority,
		RemoteAddr:    c.remote,
		RequestURI:    path,
		TLS:           c.tls,
	}
	s.req = r.WithContext(s.context())
	if f.StreamEnded() {
		if contentLength > 0 {
			return nil, errors.New("content-length without the body it declares")
		}
		s.recvEnd = true
	}
	return s, nil
}

// maxSharedURLs bounds the plain paths a connection keeps parsed: a
// service's methods, many times over.
const maxSharedURLs = 256

// requestURL returns the request's URL. A plain path (all an RPC sends)
// gets one URL per connection, shared by its requests: handlers read a
// request's URL and do not change it, and an idle stream then keeps no
// URL of its own.
func (c *conn) requestURL(path string) (*url.URL, error) {
	if u, ok := c.urls[path]; ok {
		return u, nil
	}
	if path[0] != '/' || strings.ContainsAny(path, "?%#") {
		return url.ParseRequestURI(path)
	}
	u := &url.URL{Path: path}
	if c.urls == nil {
		c.urls = make(map[string]*url.URL)
	}
	if len(c.urls) < maxSharedURLs {
		c.urls[path] = u
	}
	return u, nil
}

// runHandler serves the request on a pooled goroutine and ends the
// response.
func (s *stream) runHandler() {
	defer s.c.handlers.Done()
	ok := s.serveHTTP()
	// The slot is free before the response's end can reach the peer,
	// which may then open the next stream at once.
	s.c.handlerDone()
	if ok {
		s.endResponse()
	}
	s.mu.Lock()
	s.handlerDone = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	s.cancelContext()
	s.release()
}

// serveHTTP runs the handler; a panic resets the stream and is logged
// (unless it is http.ErrAbortHandler, net/http's way to abort quietly).
func (s *stream) serveHTTP() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			if p != http.ErrAbortHandler && s.c.srv.cfg.Logf != nil {
				s.c.srv.cfg.Logf("h2server: handler for %s panicked: %v\n%s", s.req.URL.Path, p, debug.Stack())
			}
			s.c.resetStream(s.id, http2.ErrCodeInternal, fmt.Errorf("handler panicked: %v", p))
		}
	}()
	s.c.handler.ServeHTTP(responseWriter{s}, s.req)
	return true
}

// endResponse writes what the handler left unsent, the trailers and
// END_STREAM, and flushes; a request the peer is still sending is reset
// with NO_ERROR, as RFC 9113 8.1 allows once the response is complete.
func (s *stream) endResponse() {
	if !s.wroteHeader {
		s.writeHeader(http.StatusOK)
	}
	s.ended = true
	if s.writeErr() != nil {
		s.releaseHeader()
		s.c.remove(s)
		return
	}
	if !s.sentHeader {
		s.declared = declaredTrailers(s.header)
	}
	trailers := s.hasTrailers()
	s.mu.Lock()
	recvEnd := s.recvEnd
	s.mu.Unlock()
	c := s.c
	last := false
	_ = c.Write(func() error {
		// The stream leaves the table before its end can reach the peer:
		// a frame the peer sends once it has seen the end is then one on
		// a closed stream, as RFC 9113 5.1 has it.
		last = c.forget(s)
		var err error
		switch {
		case !s.sentHeader:
			err = s.encodeHeader(!trailers)
			if err == nil && trailers {
				err = c.encodeHeaders(s.id, 0, s.header, s.trailerName, true)
			}
		case trailers:
			err = c.encodeHeaders(s.id, 0, s.header, s.trailerName, true)
		default:
			err = c.Fr.WriteData(s.id, true, nil)
		}
		if err == nil && !recvEnd {
			err = c.Fr.WriteRSTStream(s.id, http2.ErrCodeNo)
		}
		return err
	}, true)
	s.releaseHeader()
	if last {
		c.closeAfterFlush()
	}
}

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
func (s *stream) releaseHeader() {
	if h := s.header; h != nil && len(h) <= maxPooledHeader {
		clear(h)
		headerPool.Put(h)
	}
	s.header = nil
}

// sendHeader writes the response HEADERS ahead of the response's end
// (a first Write or Flush); wmu is held.
func (s *stream) sendHeader() error {
	s.declared = declaredTrailers(s.header)
	return s.encodeHeader(false)
}

// encodeHeader writes the response HEADERS, s.declared being set; wmu is
// held. Unless the stream ends with them, the header map then keeps only
// the trailers already set, or is dropped when there are none (so an idle
// stream keeps no map); later trailers go into the map Header returns.
func (s *stream) encodeHeader(endStream bool) error {
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
func (s *stream) headerName(k string) (string, bool) {
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
func (s *stream) trailerName(k string) (string, bool) {
	if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
		return name, true
	}
	return k, slices.Contains(s.declared, k)
}

// hasTrailers reports whether the header map holds trailers to send.
func (s *stream) hasTrailers() bool {
	for k := range s.header {
		if _, ok := s.trailerName(k); ok {
			return true
		}
	}
	return false
}

func (s *stream) writeHeader(code int) {
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

// write sends p as DATA frames, blocking while flow control holds it back;
// the frames wait in the connection's buffer for the next flush.
func (s *stream) write(p []byte) (int, error) {
	if s.ended {
		return 0, errAfterEnd
	}
	if !s.wroteHeader {
		s.writeHeader(http.StatusOK)
	}
	c := s.c
	written := 0
	for len(p) > 0 {
		n, frame, err := s.reserve(min(len(p), h2conn.MaxWrite))
		if err != nil {
			return written, err
		}
		chunk := p[:n]
		if err := c.Write(func() error {
			if !s.sentHeader {
				if err := s.sendHeader(); err != nil {
					return err
				}
			}
			c.Sent()
			for b := chunk; len(b) > 0; {
				k := min(len(b), frame)
				if err := c.Fr.WriteData(s.id, false, b[:k]); err != nil {
					return err
				}
				b = b[k:]
			}
			return nil
		}, false); err != nil {
			return written, s.writeErrOr(err)
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// flush sends the headers if they are not yet and flushes the connection.
func (s *stream) flush() error {
	if s.ended {
		return errAfterEnd
	}
	if !s.wroteHeader {
		s.writeHeader(http.StatusOK)
	}
	if err := s.writeErr(); err != nil {
		return err
	}
	if err := s.c.Write(func() error {
		if !s.sentHeader {
			return s.sendHeader()
		}
		return nil
	}, true); err != nil {
		return s.writeErrOr(err)
	}
	return nil
}

// reserve waits for send window and takes up to n bytes of it; it also
// returns the peer's frame size limit.
func (s *stream) reserve(n int) (int, int, error) {
	// The peer grants more window only for data it got: what is buffered
	// goes out before we wait.
	return s.c.Reserve(&s.core, n, s.writeErrLocked, s.c.flush)
}

func (s *stream) writeErrLocked() error {
	if s.werr != nil {
		return s.werr
	}
	if s.c.Err != nil {
		return s.c.Err
	}
	return nil
}

func (s *stream) writeErr() error {
	s.c.Mu.Lock()
	defer s.c.Mu.Unlock()
	return s.writeErrLocked()
}

func (s *stream) writeErrOr(err error) error {
	if werr := s.writeErr(); werr != nil {
		return werr
	}
	return err
}

// abort fails both sides of the stream with err: the peer reset it, the
// connection died, or a write deadline passed. The write side fails before
// the context is cancelled, so that a handler woken by the cancel writes
// nothing more; the context is cancelled under mu with the read failure,
// so that a read that sees the failure also sees why (a consumer's cancel
// reads as CANCELLED, not as a lost peer).
func (s *stream) abort(err error) {
	s.c.Mu.Lock()
	if s.werr == nil {
		s.werr = err
	}
	s.c.Cond.Broadcast()
	s.c.Mu.Unlock()
	s.mu.Lock()
	if s.rerr == nil {
		s.rerr = err
	}
	s.cancelContext()
	s.mu.Unlock()
	s.signal()
}

// signal wakes a pending read; the state it reads was changed under mu.
func (s *stream) signal() { s.rcond.Broadcast() }

// setWriteDeadline resets the stream if the handler is still writing at t.
func (s *stream) setWriteDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if t.IsZero() || s.handlerDone {
		return nil
	}
	s.timer = time.AfterFunc(time.Until(t), func() {
		s.c.resetStream(s.id, http2.ErrCodeInternal, errWriteDeadline)
	})
	return nil
}

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

// release drops unread request data, granting it back to the connection.
func (s *stream) release() {
	s.mu.Lock()
	unread := int64(s.rb.Release())
	if s.rerr == nil {
		s.rerr = errBodyClosed
	}
	s.mu.Unlock()
	if unread > 0 {
		_ = s.c.credit(nil, unread)
	}
}

// body is the request body.
type body struct{ s *stream }

func (b body) Read(p []byte) (int, error) { return b.s.read(p) }

// Close drops what has not been read; a pending or later Read fails.
func (b body) Close() error {
	b.s.release()
	b.s.signal()
	return nil
}

// responseWriter is the handler's http.ResponseWriter. Headers are sent
// with the first Write or Flush, or when the handler returns: a reply that
// is headers, one message and trailers leaves in one write. As in net/http,
// the header map is not to be changed after WriteHeader except for
// trailers; unlike net/http, trailers must be set on the map a Header call
// returns after the headers have gone (the map sent is not kept).
type responseWriter struct{ s *stream }

func (w responseWriter) Header() http.Header {
	if w.s.header == nil {
		w.s.header = newHeader()
	}
	return w.s.header
}

func (w responseWriter) WriteHeader(code int)               { w.s.writeHeader(code) }
func (w responseWriter) Write(p []byte) (int, error)        { return w.s.write(p) }
func (w responseWriter) Flush()                             { _ = w.s.flush() }
func (w responseWriter) FlushError() error                  { return w.s.flush() }
func (w responseWriter) EnableFullDuplex() error            { return nil }
func (w responseWriter) SetWriteDeadline(t time.Time) error { return w.s.setWriteDeadline(t) }

func (w responseWriter) WriteString(p string) (int, error) { return w.s.write([]byte(p)) }

func statusText(code int) string {
	if code == http.StatusOK {
		return "200"
	}
	return strconv.Itoa(code)
}

// Core is the engine's part of the stream.
func (s *stream) Core() *h2conn.Stream { return &s.core }

// timeout is Config.Timeout for a request's headers.
func (c *conn) timeout(h http.Header) (time.Duration, bool) {
	if c.srv.cfg.Timeout == nil {
		return 0, false
	}
	return c.srv.cfg.Timeout(h)
}
