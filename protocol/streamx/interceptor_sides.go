package streamx

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// How each side's calls run their interceptor chains; the typed streams
// and the unary calls use these.

// hasInterceptors reports whether the provider call ctx belongs to has
// interceptors, before anything is allocated for them.
func hasInterceptors(ctx context.Context) bool {
	return len(filterchain.FromContext(ctx).Typed()) > 0
}

// interceptProvider runs a provider call's interceptors (those its
// dubbo-go filters added to ctx's chain) around recv and send; nil when
// it has none.
func interceptProvider(ctx context.Context, c *dubboext.ServerCall, st transport.Stream, recv func() (any, error), send func(any) error) (context.Context, *intercepted, error) {
	typed := filterchain.FromContext(ctx).Typed()
	if len(typed) == 0 {
		return ctx, nil, nil
	}
	base := &baseConn{info: callInfo(c.Info()), header: c.RequestHeader(), s: st, recv: recv, send: send}
	ctx, ic, err := intercept(ctx, typed, base)
	if ic != nil && len(ic.enders) > 0 {
		c.OnFinish(func(err error) {
			if p := ic.ender.Load(); err == nil && p != nil {
				err = *p // the status sent, though the handler returned nil
			}
			ic.ended(err)
		})
	}
	return ctx, ic, err
}

// oneRequest is the Receive of a call whose one request was read before
// its interceptors opened: the request, then io.EOF.
func oneRequest(req any) func() (any, error) {
	given := false
	return func() (any, error) {
		if given {
			return nil, io.EOF
		}
		given = true
		return req, nil
	}
}

// receiveOne receives a provider's single request through its
// interceptors.
func receiveOne[Req any](ic *intercepted) (Req, error) {
	var zero Req
	v, err := ic.receive(false, 0)
	if errors.Is(err, io.EOF) {
		return zero, ic.end(NewError(CodeInternal, "streamx: an interceptor dropped the request"))
	}
	if err != nil {
		return zero, err
	}
	req, ok := v.(Req)
	if !ok {
		return zero, ic.end(wrongType[Req](v))
	}
	return req, nil
}

// replySlot is the Send of a provider's single reply (unary and client
// stream): the handler's return value passes the interceptors, and what
// reaches the bottom is the reply the protocol sends.
type replySlot[Res any] struct {
	res Res
	set bool
}

func (o *replySlot[Res]) send(v any) error {
	res, ok := v.(Res)
	if !ok {
		return wrongType[Res](v)
	}
	if o.set {
		return NewError(CodeInternal, "streamx: an interceptor sent a second reply to a single-reply call")
	}
	o.res, o.set = res, true
	return nil
}

// reply sends the handler's reply res through ic and returns the one the
// protocol sends.
func (o *replySlot[Res]) reply(ic *intercepted, res Res) (any, error) {
	if err := ic.send(res); err != nil {
		return nil, err
	}
	if !o.set {
		return nil, ic.end(NewError(CodeInternal, "streamx: an interceptor dropped the reply"))
	}
	return o.res, nil
}

// interceptConsumer runs a consumer stream's interceptors (those its
// dubbo-go filters added to ctx's chain) as it opens; nil when it has
// none. The caller sets the base's recv and send before the stream is
// used.
func interceptConsumer(ctx context.Context, s transport.Stream, info *filterchain.StreamInfo) (*intercepted, error) {
	typed := filterchain.FromContext(ctx).Typed()
	if len(typed) == 0 {
		return nil, nil
	}
	mark := markHeader(info.Header)
	_, ic, err := intercept(ctx, typed, &baseConn{info: callInfo(info), header: info.Header, s: s})
	if err == nil {
		if err = mark.checkAdded(info.Header); err != nil {
			ic.ended(err)
			return nil, err
		}
	}
	if ic != nil {
		ic.endWith(s)
	}
	return ic, err
}

// headerMark is how many values each request header had before a
// consumer's interceptors ran, to check what they added.
type headerMark map[string]int

func markHeader(h http.Header) headerMark {
	m := make(headerMark, len(h))
	for k, vs := range h {
		m[k] = len(vs)
	}
	return m
}

// checkAdded holds what interceptors added to h to WithRequestHeader's
// rules: names lower-cased, -bin values (raw bytes) encoded, and an
// *Error (CodeInvalidArgument) for a reserved name or a text value HTTP/2
// cannot carry, naming it.
func (m headerMark) checkAdded(h http.Header) error {
	var renamed []string
	for k, vs := range h {
		n, had := m[k]
		if had && n == len(vs) {
			continue
		}
		if err := wire.CheckUserName(k); err != nil {
			return Errorf(CodeInvalidArgument, "an interceptor's request header: %v", err)
		}
		for i := n; i < len(vs); i++ {
			if wire.IsBinKey(k) {
				vs[i] = wire.EncodeBinValue(vs[i])
			} else if err := wire.CheckValue(k, vs[i]); err != nil {
				return Errorf(CodeInvalidArgument, "an interceptor's request header: %v", err)
			}
		}
		if lk := wire.Lower(k); lk != k {
			renamed = append(renamed, k)
		}
	}
	for _, k := range renamed {
		lk := wire.Lower(k)
		h[lk] = append(h[lk], h[k]...)
		delete(h, k)
	}
	return nil
}
