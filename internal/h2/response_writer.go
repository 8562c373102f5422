package h2

import (
	"net/http"
	"time"

	"golang.org/x/net/http2"
)

// responseWriter is the handler's http.ResponseWriter. Headers are sent
// with the first Write or Flush, or when the handler returns: a reply that
// is headers, one message and trailers leaves in one write. As in net/http,
// the header map is not to be changed after WriteHeader except for
// trailers; unlike net/http, trailers must be set on the map a Header call
// returns after the headers have gone (the map sent is not kept).
type responseWriter struct{ s *serverStream }

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

// WriteVec is Write of the pieces p one after the other, in the same
// frames. It consumes p.
func (w responseWriter) WriteVec(p [][]byte) (int, error) { return w.s.writeVec(p) }

// write sends p as DATA frames, blocking while flow control holds it back;
// the frames wait in the connection's buffer for the next flush.
func (s *serverStream) write(p []byte) (int, error) { return s.writeVec([][]byte{p}) }

func (s *serverStream) writeVec(p [][]byte) (int, error) {
	if s.ended {
		return 0, errAfterEnd
	}
	if !s.wroteHeader {
		s.writeHeader(http.StatusOK)
	}
	return s.c.WriteBody(s.id, s, p, false)
}

// BeforeData implements BodySender: the response headers go ahead
// of the first DATA frame.
func (s *serverStream) BeforeData() error {
	if !s.sentHeader {
		return s.sendHeader()
	}
	return nil
}

// WriteFailed implements BodySender.
func (s *serverStream) WriteFailed(err error) error { return s.writeErrOr(err) }

// flush sends the headers if they are not yet and flushes the connection.
func (s *serverStream) flush() error {
	if s.ended {
		return errAfterEnd
	}
	if !s.wroteHeader {
		s.writeHeader(http.StatusOK)
	}
	if err := s.writeErr(); err != nil {
		return err
	}
	if err := s.c.Write(s.BeforeData, true); err != nil {
		return s.writeErrOr(err)
	}
	return nil
}

// ReserveWindow implements BodySender: it waits for send window
// and takes up to n bytes of it.
func (s *serverStream) ReserveWindow(n int) (int, int, error) {
	// The peer grants more window only for data it got: what is buffered
	// goes out before we wait.
	return s.c.Reserve(&s.core, n, nil, s.c.flush)
}

func (s *serverStream) writeErr() error { return s.c.SendErr(&s.core) }

func (s *serverStream) writeErrOr(err error) error {
	if werr := s.writeErr(); werr != nil {
		return werr
	}
	return err
}

// setWriteDeadline resets the stream if the handler is still writing at t.
func (s *serverStream) setWriteDeadline(t time.Time) error {
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
