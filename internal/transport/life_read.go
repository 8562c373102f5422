package transport

import (
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// ReadErr returns io.EOF after a clean end, the failure after a failed
// stream, and nil while the stream goes on.
func (l *life) ReadErr() error {
	if p := l.final.Load(); p != nil {
		return *p
	}
	return nil
}

// Read blocks until a message arrives (returned, lent until the next
// read: see Reader.Next), the stream ends (io.EOF, then io.EOF again on every later call) or fails (a
// *status.Error, returned again on every later call).
func (l *life) Read() ([]byte, error) {
	if err := l.ReadErr(); err != nil {
		return nil, err
	}
	if l.pending {
		return l.collect(nil)
	}
	return l.settle(l.link.receive())
}

// ReadTimeout is Read that gives up after d with ErrReadTimeout, leaving
// the stream open. d <= 0 polls: it returns a message only if one has
// arrived.
func (l *life) ReadTimeout(d time.Duration) ([]byte, error) {
	if err := l.ReadErr(); err != nil {
		return nil, err
	}
	if !l.pending {
		if b, ok, err := l.link.tryReceive(); ok {
			return l.settle(b, err)
		}
		l.receiveAsync()
	}
	if d <= 0 {
		select {
		case res := <-l.results:
			l.pending = false
			return l.settle(res.b, res.err)
		default:
			return nil, ErrReadTimeout
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	return l.collect(t.C)
}

// receiveAsync starts the one pending receive.
func (l *life) receiveAsync() {
	if l.results == nil {
		l.results = make(chan result, 1)
	}
	l.pending = true
	go func() {
		b, err := l.link.receive()
		l.results <- result{b, err}
	}()
}

// collect waits for the pending receive, CloseRead, or timeout (nil: none).
func (l *life) collect(timeout <-chan time.Time) ([]byte, error) {
	select {
	case res := <-l.results:
		l.pending = false
		return l.settle(res.b, res.err)
	case <-l.stopped():
		return nil, l.ReadErr()
	case <-timeout:
		return nil, ErrReadTimeout
	}
}

// settle runs the filters' OnReceive on a message, or records the end.
// On a consumer the end of the replies is the end of the call: the
// filters' OnClose runs with its status.
func (l *life) settle(b []byte, err error) ([]byte, error) {
	if err != nil {
		err = l.setFinal(err)
		if l.side == filterchain.Consumer {
			l.closeFilters(status.From(err))
		}
		return nil, err
	}
	if err := l.Received(b); err != nil {
		return nil, l.setFinal(err)
	}
	return b, nil
}

// CloseRead releases the read side: reads return a Canceled error from
// now on (unless the stream had already ended). On a consumer it cancels
// the call if it had not ended; on a provider the handler still decides
// the status. A pending receive returns once the stream ends.
func (l *life) CloseRead() {
	l.stopMu.Lock()
	if l.closed {
		l.stopMu.Unlock()
		return
	}
	l.closed = true
	var err error = errClosed
	ended := !l.final.CompareAndSwap(nil, &err)
	if l.stop != nil {
		close(l.stop) // after final is set: a woken wait returns errClosed
	}
	l.stopMu.Unlock()
	if !ended && l.side == filterchain.Consumer {
		l.Abort(errClosed)
	}
}

// stopped returns a channel closed by CloseRead. It is made on first use,
// so that a stream never read with a timeout does not carry one.
func (l *life) stopped() <-chan struct{} {
	l.stopMu.Lock()
	defer l.stopMu.Unlock()
	if l.stop == nil {
		l.stop = make(chan struct{})
		if l.closed {
			close(l.stop)
		}
	}
	return l.stop
}
