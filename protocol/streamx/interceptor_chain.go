package streamx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// An interceptor chain: the innermost Conn over the typed layer's own
// sends and receives, the links between interceptors, and the end of the
// call they learn of.

// baseConn is the innermost Conn of a call: the typed layer's own sends
// and receives, which encode, decode and use the transport.
type baseConn struct {
	info   CallInfo
	header http.Header        // request headers
	s      transport.Stream   // nil for a consumer's unary call, whose
	unary  *dubboext.CallSpec // spec holds its stream once made

	send func(msg any) error
	recv func() (any, error)

	// The last error each direction returned, to tell an interceptor's
	// own errors from those of the call.
	mu      sync.Mutex
	sendErr error
	recvErr error
	timeout time.Duration // the next receive's, when timed
	timed   bool
}

func (c *baseConn) Info() CallInfo { return c.info }

func (c *baseConn) Send(msg any) error {
	err := c.send(msg)
	if err != nil {
		c.mu.Lock()
		c.sendErr = err
		c.mu.Unlock()
	}
	return public(err)
}

func (c *baseConn) Receive() (any, error) {
	v, err := c.recv()
	if err != nil {
		c.mu.Lock()
		c.recvErr = err
		c.mu.Unlock()
	}
	return v, public(err)
}

func (c *baseConn) RequestHeader() http.Header { return c.header }

func (c *baseConn) stream() transport.Stream {
	if c.s == nil && c.unary != nil {
		return c.unary.Stream
	}
	return c.s
}

func (c *baseConn) ResponseHeader() http.Header {
	if c.info.Side == Provider {
		return nil
	}
	if s := c.stream(); s != nil {
		return s.Header()
	}
	return nil
}

func (c *baseConn) ResponseTrailer() http.Header {
	if c.info.Side == Provider {
		return nil
	}
	if s := c.stream(); s != nil {
		return s.Trailer()
	}
	return nil
}

// fromBelow reports whether err is (or wraps) what the base conn last
// returned in that direction: the call's own error, not an interceptor's.
func (c *baseConn) fromBelow(err error, sending bool) bool {
	c.mu.Lock()
	last := c.recvErr
	if sending {
		last = c.sendErr
	}
	c.mu.Unlock()
	return last != nil && errors.Is(err, last)
}

// intercepted is a call run through its interceptors.
type intercepted struct {
	conn Conn // the outermost
	base *baseConn
	s    transport.Stream // what an interceptor's error aborts; nil for a consumer's unary call

	enders  []CallEnder // the chain's conns that want the call's end
	endOnce sync.Once
	ender   atomic.Pointer[error] // the first error an interceptor ended the call with
}

// intercept wraps base in interceptors, the first outermost: it sees a
// message sent first and a message received last, and its WrapConn runs
// first. It returns the ctx the last WrapConn returned; a nil
// *intercepted when there are none.
func intercept(ctx context.Context, typed []any, base *baseConn) (context.Context, *intercepted, error) {
	if len(typed) == 0 {
		return ctx, nil, nil
	}
	// Each interceptor wraps a link to the rest of the chain, which is
	// filled once the rest has been wrapped.
	links := make([]linkConn, len(typed)+1)
	for i := range links {
		links[i].base = base
	}
	links[len(typed)].Conn = base
	ic := &intercepted{conn: &links[0], base: base, s: base.s}
	for i, t := range typed {
		in, ok := t.(Interceptor)
		if !ok {
			return ctx, nil, Errorf(CodeInternal, "streamx: %T in the interceptor chain is not an Interceptor", t)
		}
		next, c, err := in.WrapConn(ctx, &links[i+1])
		if err != nil {
			ic.ended(status.From(err))
			return ctx, nil, status.From(err)
		}
		if c == nil || next == nil {
			err := Errorf(CodeInternal, "streamx: interceptor %T returned a nil Conn or context", in)
			ic.ended(err.status())
			return ctx, nil, err
		}
		ctx = next
		links[i].Conn = c
		if e, ok := c.(CallEnder); ok {
			ic.enders = append(ic.enders, e)
		}
	}
	return ctx, ic, nil
}

// linkConn is one link of an interceptor chain. Until the rest of the
// chain is wrapped (while WrapConn runs), it describes the call from the
// base and refuses messages.
type linkConn struct {
	Conn // nil until wrapped
	base *baseConn
}

var errWrapping = NewError(CodeInternal, "streamx: an interceptor sent or received in WrapConn, before the chain was complete")

func (l *linkConn) Info() CallInfo {
	if l.Conn == nil {
		return l.base.Info()
	}
	return l.Conn.Info()
}

func (l *linkConn) Send(msg any) error {
	if l.Conn == nil {
		return errWrapping
	}
	return l.Conn.Send(msg)
}

func (l *linkConn) Receive() (any, error) {
	if l.Conn == nil {
		return nil, errWrapping
	}
	return l.Conn.Receive()
}

func (l *linkConn) RequestHeader() http.Header {
	if l.Conn == nil {
		return l.base.RequestHeader()
	}
	return l.Conn.RequestHeader()
}

func (l *linkConn) ResponseHeader() http.Header {
	if l.Conn == nil {
		return l.base.ResponseHeader()
	}
	return l.Conn.ResponseHeader()
}

func (l *linkConn) ResponseTrailer() http.Header {
	if l.Conn == nil {
		return l.base.ResponseTrailer()
	}
	return l.Conn.ResponseTrailer()
}

// ended runs the interceptors' CallEnded, once, innermost first.
func (ic *intercepted) ended(err error) {
	ic.endOnce.Do(func() {
		for i := len(ic.enders) - 1; i >= 0; i-- {
			ic.enders[i].CallEnded(public(err))
		}
	})
}

// endWith arranges for the interceptors' CallEnded to run when the
// consumer's stream s ends, with how it ended.
func (ic *intercepted) endWith(s transport.Stream) {
	if len(ic.enders) == 0 {
		return
	}
	ctx := s.Context()
	context.AfterFunc(ctx, func() { ic.ended(endStatus(ctx)) })
}

// ignoreEOF is err, nil for a clean end.
func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// endStatus is the status of a call whose stream context ended: nil for a
// clean end.
func endStatus(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, io.EOF) {
		return nil
	}
	return status.From(cause)
}

// send sends msg through the interceptors; an interceptor's own error
// ends the call.
func (ic *intercepted) send(msg any) error {
	err := ic.conn.Send(msg)
	if err != nil && !ic.base.fromBelow(err, true) {
		return ic.end(err)
	}
	return public(err)
}

// receive receives through the interceptors; d >= 0 with timed makes the
// base read a timed one.
func (ic *intercepted) receive(timed bool, d time.Duration) (any, error) {
	ic.base.mu.Lock()
	ic.base.timed, ic.base.timeout = timed, d
	ic.base.mu.Unlock()
	v, err := ic.conn.Receive()
	if err != nil && !ic.base.fromBelow(err, false) {
		return nil, ic.end(err)
	}
	return v, public(err)
}

// nextTimed returns how the base's next read waits.
func (c *baseConn) nextTimed() (bool, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timed, c.timeout
}

// end ends the call with an interceptor's error and returns it as the
// caller sees it.
func (ic *intercepted) end(err error) error {
	se := status.From(err)
	var e error = se
	ic.ender.CompareAndSwap(nil, &e)
	if ic.s != nil {
		ic.s.Abort(se)
	}
	return public(se)
}

// wrongType is the error of an interceptor that replaced a message with
// one of another type.
func wrongType[T any](v any) error {
	return Errorf(CodeInternal, "streamx: an interceptor passed a %T message, the method's is %T", v, *new(T))
}

// callInfo converts the protocol's description of a call.
func callInfo(i *filterchain.StreamInfo) CallInfo {
	return CallInfo{Service: i.Service, Method: i.Method, Kind: i.Kind, Side: Side(i.Side), Peer: i.Peer}
}
