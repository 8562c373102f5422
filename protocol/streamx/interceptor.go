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

// Interceptors see every call of the services and references they are
// configured on (see RegisterInterceptor), on both sides and in all four
// call kinds, with its messages decoded. They are the typed layer of
// interception; the byte-level stream filters of package filter stay
// under them: a message an interceptor sends is encoded after it, then
// passes the stream filters as bytes (which is where sizes and
// compression are seen), and a message received passes the stream filters
// first, then is decoded and handed up through the interceptors. Both are
// selected by name in the same `filter:` list of dubbogo.yml.
//
// An Interceptor wraps the call's Conn, as connect-go's interceptors wrap
// a StreamingClientConn: it returns a Conn that embeds the one it was
// given and overrides Send or Receive. A unary call is a Conn too, with
// one message each way.
type Interceptor interface {
	// WrapConn runs once per call, as it opens, on the goroutine that
	// opens it: on a consumer, the one calling Call, Open or Start, before
	// the request headers leave (once per attempt of a unary call that
	// dubbo-go's cluster retries); on a provider, the handler's goroutine,
	// before the handler runs. Interceptors' WrapConn run in list order,
	// each with the ctx the one before returned. ctx is the call's
	// context; return it, or one derived from it: on a provider the last
	// one returned is the handler's (to carry a span, say; SetHeader and
	// SetTrailer work on it); a consumer only passes it on to the next
	// interceptor. conn is the rest of the chain: WrapConn must not call
	// its Send or Receive. An error refuses the call: the consumer's call
	// fails with it before anything is sent; a provider ends the call with
	// it (an *Error chooses the code the consumer sees).
	WrapConn(ctx context.Context, conn Conn) (context.Context, Conn, error)
}

// InterceptorFunc is a function that is an Interceptor.
type InterceptorFunc func(ctx context.Context, conn Conn) (context.Context, Conn, error)

// WrapConn implements Interceptor.
func (f InterceptorFunc) WrapConn(ctx context.Context, conn Conn) (context.Context, Conn, error) {
	return f(ctx, conn)
}

// CallEnder may be implemented by a Conn an interceptor returns, to learn
// how the call ended: CallEnded runs once per call when it is over,
// however it ends (the last message, a failure, a cancel, a consumer that
// stops reading), with its status: nil for OK, else an error whose code
// CodeOf reports. On a provider it runs on the handler's goroutine once
// the handler has returned and the status is decided, before the
// status is sent; on a consumer, on the goroutine whose read saw the end
// (before that read returns), or on a goroutine of its own when the call
// ends otherwise (Close, a cancelled ctx), and for a unary call before
// Call returns. It must not block for long.
type CallEnder interface {
	CallEnded(err error)
}

// Side tells which end of a call an interceptor runs on.
type Side int

// The sides.
const (
	// Consumer is the calling side.
	Consumer Side = iota
	// Provider is the serving side.
	Provider
)

// String returns "consumer" or "provider".
func (s Side) String() string { return filterchain.Side(s).String() }

// CallInfo describes a call to its interceptors.
type CallInfo struct {
	Service string // interface name
	Method  string // method name on the wire
	Kind    string // dubbo-go call type: "unary", "client-stream", "server-stream", "bidi-stream"
	Side    Side
	Peer    string // the other side's address (host:port), when known
}

// Conn is one call as interceptors see it. Messages are the method's
// types (Req, Res) boxed in an any: a consumer sends requests and receives
// replies, a provider the reverse.
//
// Send runs on the goroutine that writes (WriteStream.Write, a consumer's
// Call for its request, a provider's handler returning its reply); Receive
// on the goroutine that reads (ReadStream.Read, a consumer's Call for its
// reply, a provider before its handler runs, for a single request). A
// bidi stream's two directions may run concurrently, and Send calls may
// run concurrently with each other as WriteStream.Write's may.
//
// An error an interceptor returns from Send or Receive that did not come
// from the Conn below it ends the call: a provider ends it with the
// error's status (an *Error chooses the code the consumer sees) and sends
// nothing after it; a consumer cancels the call and returns the error to
// its caller. An interceptor may replace a message by passing another one
// of the same type down (Send) or returning another one up (Receive).
type Conn interface {
	// Info describes the call.
	Info() CallInfo
	// Send sends one message.
	Send(msg any) error
	// Receive returns the next message, io.EOF at a clean end (test with
	// errors.Is), or an *Error. A consumer's timed read (ReadTimeout) may
	// return ErrReadTimeout, after which the stream goes on.
	Receive() (any, error)
	// RequestHeader returns the request headers: on a consumer, the ones
	// about to be sent, which WrapConn may add to (text values; lower-case
	// names) and nothing may change after it returns; on a provider, the
	// ones received, read-only.
	RequestHeader() http.Header
	// ResponseHeader returns the response headers on a consumer once they
	// have arrived (after a Receive returned), else nil. A provider adds
	// its own with SetHeader on WrapConn's ctx.
	ResponseHeader() http.Header
	// ResponseTrailer returns the response trailers on a consumer once a
	// Receive returned io.EOF or an error, else nil. A provider adds its
	// own with SetTrailer on WrapConn's ctx.
	ResponseTrailer() http.Header
}

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

// linkConn is one link of an interceptor chain.
type linkConn struct{ Conn }

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
	_, ic, err := intercept(ctx, typed, &baseConn{info: callInfo(info), header: info.Header, s: s})
	if ic != nil {
		ic.endWith(s)
	}
	return ic, err
}
