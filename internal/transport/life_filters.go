package transport

import (
	"context"
	"errors"
	"io"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// OpenFilters opens the stream filters of chain on the call (nil or empty:
// none). If a filter rejects the call, the filters already opened see
// OnClose and the call is aborted with the error, which is returned.
// However the call ends later (a read to the end, a failure, a cancel, a
// reader that stops reading), OnClose runs once with its status.
func (l *life) OpenFilters(ctx context.Context, chain *filterchain.Chain, info *filterchain.StreamInfo) error {
	filters := chain.Seal()
	if len(filters) == 0 {
		return nil
	}
	l.filterMu.Lock()
	l.fctx, l.opening = ctx, true
	l.filterMu.Unlock()
	for _, f := range filters {
		h, err := f.Open(ctx, info, l)
		if err != nil {
			se := status.From(err)
			l.closeFilters(se)
			l.abortLink(se)
			return se
		}
		l.hooks = append(l.hooks, h)
	}
	sctx := l.link.Context()
	stop := context.AfterFunc(sctx, func() { l.closeFilters(causeOf(sctx)) })
	l.filterMu.Lock()
	l.stopWatch = stop // under filterMu: the watch may already be running closeFilters
	l.opening = false
	pending := l.endLater
	l.filterMu.Unlock()
	if pending != nil { // a filter's timer fired while the others opened
		l.Abort(pending)
	}
	return nil
}

// End implements filterchain.Control: a filter ends the call with err
// (nil: Canceled), from any goroutine.
func (l *life) End(err error) {
	if err == nil {
		err = status.New(status.Canceled, "ended by a filter")
	}
	l.filterMu.Lock()
	if l.opening {
		if l.endLater == nil {
			l.endLater = err
		}
		l.filterMu.Unlock()
		return
	}
	l.filterMu.Unlock()
	l.Abort(err)
}

// Sending runs the filters' OnSend on a message about to leave; Write
// does for its messages, a consumer's unary call for its request, which
// leaves with the headers. An error ends the call and is returned.
func (l *life) Sending(payload []byte) error {
	for _, h := range l.hooks {
		if err := h.OnSend(l.fctx, filterchain.Message{Payload: payload}); err != nil {
			se := status.From(err)
			l.End(se)
			return se
		}
	}
	return nil
}

// Received runs the filters' OnReceive on a message that arrived; reads
// do for theirs, a provider for the request it read before dubbo-go's
// filters opened the stream filters. An error ends the call and is
// returned.
func (l *life) Received(payload []byte) error {
	for _, h := range l.hooks {
		if err := h.OnReceive(l.fctx, filterchain.Message{Payload: payload}); err != nil {
			se := status.From(err)
			l.End(se)
			return se
		}
	}
	return nil
}

// CloseFilters runs the filters' OnClose with the call's final status (nil
// for OK), once; the provider calls it when the handler has returned.
func (l *life) CloseFilters(err error) { l.closeFilters(err) }

func (l *life) closeFilters(err error) {
	if len(l.hooks) == 0 {
		return
	}
	l.closeOnce.Do(func() {
		l.filterMu.Lock()
		stop := l.stopWatch
		l.filterMu.Unlock()
		if stop != nil {
			stop()
		}
		res := filterchain.Result{Err: err}
		for i := len(l.hooks) - 1; i >= 0; i-- {
			l.hooks[i].OnClose(l.fctx, res)
		}
	})
}

// causeOf is the status a call whose context ended ended with; nil for a
// clean end.
func causeOf(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, io.EOF) {
		return nil
	}
	return status.From(cause)
}
