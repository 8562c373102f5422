package h2

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

var (
	errBodyClosed    = errors.New("h2 server: request body closed")
	errWriteDeadline = errors.New("h2 server: write deadline exceeded")
	errAfterEnd      = errors.New("h2 server: write after the handler returned")
)

// stream is one request and its response. The response side belongs to
// the handler's goroutine; the request body may be read from one other
// goroutine at a time.
type serverStream struct {
	c           *serverConn
	core        Stream // the engine's part: through c's methods
	id          uint32
	handlerDone bool // on mu
	req         *http.Request

	// The request's context (see streamContext).
	deadline time.Duration                // since epoch; 0: none
	ctxMu    sync.Mutex                   // guards ctxEnd, and ctxInner's making
	ctxInner atomic.Pointer[innerContext] // nil until something waits on Done

	// The request's declared content-length (-1: none) and what has come.
	contentLength, received int64 // the reader's

	mu    sync.Mutex
	timer *time.Timer // on mu: the write deadline

	// The response: the handler's goroutine only.
	header      http.Header // nil once the headers are sent, until trailers are set
	declared    []string    // the trailer names the sent headers declared
	status      int
	wroteHeader bool // WriteHeader was called
	sentHeader  bool // the HEADERS frame is written
	ended       bool
	ctxEnd      uint8 // on ctxMu: why the context ended, before ctxInner
}

// newStream makes the stream of a request whose block CheckRequest
// accepted; contentLength is what it returned.
func (c *serverConn) newStream(f *Headers, contentLength int64) (*serverStream, error) {
	method, path := f.PseudoValue("method"), f.PseudoValue("path")
	scheme, authority := f.PseudoValue("scheme"), f.PseudoValue("authority")
	if method == "" || path == "" || scheme == "" || method == "CONNECT" {
		return nil, errors.New("malformed request pseudo-headers")
	}
	s := &serverStream{c: c, id: f.StreamID}
	u, err := c.requestURL(path)
	if err != nil {
		return nil, err
	}
	h := c.canon.Header(f.RegularFields())
	if authority == "" {
		authority = wire.Get(h, "Host")
	}
	s.contentLength = contentLength
	if d, ok := c.timeout(h); ok {
		s.setDeadline(d)
	}
	r := http.Request{
		Method:        method,
		URL:           u,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        h,
		Body:          requestBody{s},
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
func (c *serverConn) requestURL(path string) (*url.URL, error) {
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
func (s *serverStream) runHandler() {
	defer s.c.handlers.Done()
	ok := s.serveHTTP()
	// The slot is free before the response's end can reach the peer,
	// which may then open the next stream at once.
	s.c.ReleaseSlot()
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
func (s *serverStream) serveHTTP() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			if p != http.ErrAbortHandler && s.c.srv.cfg.Logf != nil {
				s.c.srv.cfg.Logf("h2 server: handler for %s panicked: %v\n%s", s.req.URL.Path, p, debug.Stack())
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
func (s *serverStream) endResponse() {
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
	recvEnd := s.core.Body().Ended()
	c := s.c
	last := false
	_ = c.Write(func() error {
		// The stream leaves the table before its end can reach the peer:
		// a frame the peer sends once it has seen the end is then one on
		// a closed stream, as RFC 9113 5.1 has it.
		last = c.Remove(s)
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
			err = c.Framer().WriteData(s.id, true, nil)
		}
		if err == nil && !recvEnd {
			err = c.Framer().WriteRSTStream(s.id, http2.ErrCodeNo)
		}
		return err
	}, true)
	s.releaseHeader()
	if last {
		c.closeAfterFlush()
	}
}

// abort fails both sides of the stream with err: the peer reset it, the
// connection died, or a write deadline passed. The write side fails before
// the context is cancelled, so that a handler woken by the cancel writes
// nothing more; the context is cancelled before the read fails, so that a
// read that sees the failure also sees why (a consumer's cancel reads as
// CANCELLED, not as a lost peer).
func (s *serverStream) abort(err error) {
	s.c.FailSend(&s.core, err)
	s.cancelContext()
	s.core.Body().Fail(err)
}

// release drops unread request data, granting it back to the connection.
func (s *serverStream) release() {
	if unread := s.core.Body().Release(errBodyClosed); unread > 0 {
		_ = s.c.Credit(nil, unread, 0)
	}
}

// Core is the engine's part of the stream.
func (s *serverStream) Core() *Stream { return &s.core }

// timeout is ServerConfig.Timeout for a request's headers.
func (c *serverConn) timeout(h http.Header) (time.Duration, bool) {
	if c.srv.cfg.Timeout == nil {
		return 0, false
	}
	return c.srv.cfg.Timeout(h)
}
