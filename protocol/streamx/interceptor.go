package streamx

import (
	"context"
	"net/http"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
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
