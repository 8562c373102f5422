package filterchain

import (
	"context"
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// Stream is a transport stream with filters.
type Stream struct {
	transport.Stream
	ctx   context.Context
	side  Side
	hooks []Hooks // set while opening, read-only after
	once  sync.Once

	mu        sync.Mutex
	opening   bool        // Wrap is still opening filters
	pending   error       // an End that came while opening
	stopWatch func() bool // stops the context watch that runs close
}

// Send runs the OnSend hooks, then sends.
func (s *Stream) Send(payload []byte) error {
	for _, h := range s.hooks {
		if err := h.OnSend(s.ctx, Message{Payload: payload}); err != nil {
			se := status.From(err)
			s.End(se)
			return se
		}
	}
	return s.Stream.Send(payload)
}

// Receive receives, then runs the OnReceive hooks. On a consumer the end
// of the replies is the end of the stream and runs OnClose; on a provider
// the stream ends when the handler returns (Close).
func (s *Stream) Receive() ([]byte, error) {
	b, err := s.Stream.Receive()
	return s.received(b, err)
}

// TryReceive is Receive without blocking (see transport.Stream).
func (s *Stream) TryReceive() ([]byte, bool, error) {
	b, ok, err := s.Stream.TryReceive()
	if !ok {
		return nil, false, nil
	}
	b, err = s.received(b, err)
	return b, true, err
}

func (s *Stream) received(b []byte, err error) ([]byte, error) {
	if err != nil {
		if s.side == Consumer {
			s.close(causeOrNil(err))
		}
		return nil, err
	}
	for _, h := range s.hooks {
		if herr := h.OnReceive(s.ctx, Message{Payload: b}); herr != nil {
			se := status.From(herr)
			s.End(se)
			return nil, se
		}
	}
	return b, nil
}

// Abort ends the stream with err and runs OnClose.
func (s *Stream) Abort(err error) {
	s.Stream.Abort(err)
	s.close(status.From(err))
}

// End implements Control.
func (s *Stream) End(err error) {
	if err == nil {
		err = status.New(status.Canceled, "ended by a filter")
	}
	s.mu.Lock()
	if s.opening {
		if s.pending == nil {
			s.pending = err
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.Abort(err)
}

// Close runs OnClose with the stream's final status, once; the provider
// calls it when the handler has returned.
func (s *Stream) Close(err error) { s.close(err) }

func (s *Stream) close(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		stop := s.stopWatch
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
		res := Result{Err: err}
		for i := len(s.hooks) - 1; i >= 0; i-- {
			s.hooks[i].OnClose(s.ctx, res)
		}
	})
}

// Sending runs the OnSend hooks on a message that leaves with the
// stream's headers (a consumer's unary request), not through Send.
func (s *Stream) Sending(payload []byte) error {
	for _, h := range s.hooks {
		if err := h.OnSend(s.ctx, Message{Payload: payload}); err != nil {
			se := status.From(err)
			s.End(se)
			return se
		}
	}
	return nil
}

// Received runs the OnReceive hooks on a message that arrived before the
// filters were opened (a provider reads the request of a unary or
// server-streaming call before dubbo-go's filters run).
func (s *Stream) Received(payload []byte) error {
	for _, h := range s.hooks {
		if err := h.OnReceive(s.ctx, Message{Payload: payload}); err != nil {
			se := status.From(err)
			s.End(se)
			return se
		}
	}
	return nil
}
