package h2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// ClientStream is one request/response exchange. Its write side (Write, Close,
// CloseWithError) and read side (the response body) may be used from two
// goroutines; neither side from more than one at a time.
type ClientStream struct {
	c    *clientConn
	id   uint32
	core Stream // the engine's part
	ctx  context.Context

	// onResponse receives the response headers, or why there are none;
	// exactly once, on the connection's reader goroutine or the caller's.
	onResponse func(*http.Response, error)
	respOnce   sync.Once

	mu       sync.Mutex
	resp     *http.Response // on mu
	stopCtx  func() bool    // on mu
	finished bool           // on mu: finish ran

	w Watch // OpenUnwatched's other end, checked while a read waits; the reader's
}

// respond delivers the response (or failure) once.
func (s *ClientStream) respond(resp *http.Response, err error) {
	s.respOnce.Do(func() { s.onResponse(resp, err) })
}

// onHeaders handles a HEADERS block: the response headers, then trailers.
func (s *ClientStream) onHeaders(f *Headers) {
	if f.Truncated {
		s.reset(http2.ErrCodeProtocol, fmt.Errorf("provider's header block is over the %d-byte limit", s.c.Limits().MaxHeaderListSize))
		return
	}
	check := CheckResponse
	if s.resp != nil {
		check = CheckTrailers
	}
	if err := check(f); err != nil {
		s.reset(http2.ErrCodeProtocol, fmt.Errorf("provider sent a malformed header block: %v", err))
		return
	}
	s.mu.Lock()
	if s.resp == nil {
		code, err := strconv.Atoi(f.PseudoValue("status"))
		if err != nil {
			s.mu.Unlock()
			s.reset(http2.ErrCodeProtocol, fmt.Errorf("provider answered without a valid :status (%q)", f.PseudoValue("status")))
			return
		}
		if code >= 100 && code < 200 {
			s.mu.Unlock()
			return // informational: the real answer follows
		}
		resp := &http.Response{
			Status:     statusLine(code),
			StatusCode: code,
			Proto:      "HTTP/2.0",
			ProtoMajor: 2,
			Header:     s.c.headers.get(&s.c.canon, f.RegularFields()),
			Body:       clientBody{s},
		}
		s.resp = resp
		s.mu.Unlock()
		s.respond(resp, nil)
	} else {
		// Trailers: the response's only other HEADERS block.
		if fs := f.RegularFields(); s.resp.Trailer == nil {
			s.resp.Trailer = s.c.trailers.get(&s.c.canon, fs)
		} else { // a second block (a broken peer): merge into a copy
			merged := maps.Clone(s.resp.Trailer)
			maps.Copy(merged, s.c.canon.Header(fs))
			s.resp.Trailer = merged
		}
		s.mu.Unlock()
	}
	if f.StreamEnded() {
		s.onEnd()
	}
}

// repeated hands out the header map of a response's headers (or
// trailers), shared with the previous response when its fields were the
// same: a provider answers the calls of a connection with the same few
// (content type, encodings; a bare OK status), so most calls need no map
// of their own. Callers only read the maps. The reader's goroutine only.
type repeated struct {
	fields []hpack.HeaderField
	h      http.Header
}

func (r *repeated) get(canon *wire.Canon, fs []hpack.HeaderField) http.Header {
	if r.h != nil && slices.Equal(fs, r.fields) {
		return r.h
	}
	h := canon.Header(fs)
	if len(fs) <= 8 {
		r.fields, r.h = append(r.fields[:0], fs...), h
	}
	return h
}

// statusLine is http.Response.Status for code.
func statusLine(code int) string {
	if code == http.StatusOK {
		return "200 OK"
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// onData buffers received data; padding is taken back as read. chunk,
// if not nil, holds data and is handed over (see Side.Data).
func (s *ClientStream) onData(data []byte, chunk *[]byte, padding int64) error {
	if chunk != nil {
		s.core.Body().PutChunk(chunk)
	} else {
		s.core.Body().Put(data)
	}
	if padding > 0 {
		if g := s.core.Body().Used(padding); g > 0 {
			return s.c.Credit(&s.core, 0, g)
		}
	}
	return nil
}

func (s *ClientStream) onEnd() {
	s.mu.Lock()
	noResponse := s.resp == nil
	s.mu.Unlock()
	if noResponse {
		s.reset(http2.ErrCodeProtocol, errors.New("provider ended the stream without response headers"))
		return
	}
	s.core.Body().End()
	if s.c.SendEnded(&s.core) {
		s.finish()
	}
}

// fail ends the stream with err. Once the whole response has arrived,
// err only ends the sending side: the provider's usual RST_STREAM(NO_ERROR)
// after its END_STREAM must not cost the reader what it has not read yet.
func (s *ClientStream) fail(err error) {
	s.core.Body().Fail(err)
	s.respond(nil, err)
	s.finish()
}

// finish releases the stream, once: it leaves the connection (waking a
// Write waiting for flow control, which gives up) and its context.
func (s *ClientStream) finish() {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	stop := s.stopCtx
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.c.remove(s)
}

// reset sends RST_STREAM (unless the stream is over) and fails it with err.
// A finished stream has nothing left to reset or fail: closing the body of
// a complete unary response costs no connection lock.
func (s *ClientStream) reset(code http2.ErrCode, err error) {
	s.mu.Lock()
	finished := s.finished
	s.mu.Unlock()
	if finished {
		return
	}
	if s.c.Live(&s.core) {
		_ = s.c.write(func() error { return s.c.Framer().WriteRSTStream(s.id, code) })
	}
	s.fail(err)
}

// Write sends p as DATA frames, blocking while flow control holds it back;
// all the frames the windows allow go in one flush.
func (s *ClientStream) Write(p []byte) (int, error) { return s.WriteVec([][]byte{p}) }

// WriteVec is Write of the pieces p one after the other, in the same
// frames: a message's prefix and its bytes need not be joined first. It
// consumes p.
func (s *ClientStream) WriteVec(p [][]byte) (int, error) { return s.c.WriteBody(s.id, s, p, true) }

// BeforeData implements BodySender: a request's headers are sent
// already.
func (s *ClientStream) BeforeData() error { return nil }

// WriteFailed implements BodySender: a failed write means a dead
// connection.
func (s *ClientStream) WriteFailed(error) error { return s.c.DeadErr() }

// ReserveWindow implements BodySender: it waits for send window
// and takes up to n bytes of it.
func (s *ClientStream) ReserveWindow(n int) (int, int, error) {
	return s.c.Reserve(&s.core, n, s.ctxErr, nil)
}

// ctxErr is why the stream's context stops its sends, if it does; it
// runs under the engine's lock (see Conn.Reserve).
func (s *ClientStream) ctxErr() error {
	if s.ctx.Err() != nil {
		return context.Cause(s.ctx)
	}
	return nil
}

// Close ends the request body (END_STREAM).
func (s *ClientStream) Close() error {
	c := s.c
	if err := c.EndSend(&s.core, s.ctxErr); err != nil {
		if errors.Is(err, io.ErrClosedPipe) {
			return nil
		}
		return err
	}
	if err := c.write(func() error { return c.Framer().WriteData(s.id, true, nil) }); err != nil {
		return c.DeadErr()
	}
	if s.core.Body().Ended() {
		s.finish()
	}
	return nil
}

// CloseWithError cancels the stream: RST_STREAM(CANCEL) to the peer, and
// err from now on to both sides.
func (s *ClientStream) CloseWithError(err error) error {
	if err == nil {
		err = io.ErrClosedPipe
	}
	s.reset(http2.ErrCodeCancel, err)
	return nil
}

// resetOnEnd resets the stream when its context ends.
func (s *ClientStream) resetOnEnd() { s.reset(http2.ErrCodeCancel, context.Cause(s.ctx)) }

// read is the response body's Read: it blocks until data, the end, or a
// failure (from s.w too, whose Stop ends the stream).
func (s *ClientStream) read(p []byte) (int, error) {
	for {
		var watch interface{ Done() <-chan struct{} }
		if s.w != nil {
			watch = s.w.Context()
		}
		n, err := s.c.ReadBody(&s.core, p, watch)
		if !errors.Is(err, ErrWaitEnded) {
			return n, err
		}
		s.w.Stop()
		s.w = nil // stopped: the failure it caused ends the wait
	}
}

// body is the response body; Close cancels a stream still running.
type clientBody struct{ s *ClientStream }

func (b clientBody) Read(p []byte) (int, error) { return b.s.read(p) }

// ReturnLent takes back what ReadLent lent (see Body.ReturnLent).
func (b clientBody) ReturnLent() { b.s.core.Body().ReturnLent() }

// ReadLent is Read without a copy (see Body.ReadLent).
func (b clientBody) ReadLent() ([]byte, error) {
	s := b.s
	for {
		var watch interface{ Done() <-chan struct{} }
		if s.w != nil {
			watch = s.w.Context()
		}
		data, err := s.c.ReadBodyLent(&s.core, watch)
		if !errors.Is(err, ErrWaitEnded) {
			return data, err
		}
		s.w.Stop()
		s.w = nil // stopped: the failure it caused ends the wait
	}
}

// Close cancels the stream unless both sides have ended (reset sends
// nothing then, and fail keeps a complete response intact).
func (b clientBody) Close() error {
	b.s.reset(http2.ErrCodeCancel, errors.New("response body closed"))
	return nil
}

// Core is the engine's part of the stream.
func (s *ClientStream) Core() *Stream { return &s.core }
