package streamx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

func checkConn(conn *client.Connection) error {
	if conn == nil {
		return NewError(CodeInvalidArgument, "streamx: nil *client.Connection")
	}
	return nil
}

// Call invokes the method through conn (from dubbo-go's client.Dial) and
// returns the reply. It blocks until the reply, a failure, or ctx is done;
// without a ctx deadline the reference's timeout applies, to the whole call.
// The cluster's retries (dubbo-go's failover) all run within that deadline:
// none starts after it, and none outlasts it. A failure is an *Error with
// the provider's status (and its details); a call out of time has
// CodeDeadlineExceeded. opts add request headers (WithRequestHeader) and
// capture the response headers and trailers (ResponseHeader,
// ResponseTrailer), filled when Call returns.
func (m *UnaryMethod[Req, Res]) Call(ctx context.Context, conn *client.Connection, req Req, opts ...CallOption) (Res, error) {
	var reply Res
	if m.err != nil {
		return reply, m.err
	}
	if err := checkConn(conn); err != nil {
		return reply, err
	}
	cfg, err := newCallConfig(opts)
	if err != nil {
		return reply, err
	}
	b, err := m.req.marshal(req)
	if err != nil {
		return reply, requestError(req, m.codec, err)
	}
	c := &unaryCall[Req, Res]{m: m}
	c.SpecContext = dubboext.SpecContext{Context: ctx, Spec: dubboext.CallSpec{Codec: m.codec.Name(), Request: b, Reply: c, Options: cfg, Intercept: interceptUnary}}
	if _, ok := ctx.Deadline(); !ok {
		c.Spec.Start = time.Now()
	}
	c.args[0] = req
	err = callError(conn.CallUnary(&c.SpecContext, c.args[:], &c.reply, m.name))
	if c.ic != nil {
		c.ic.ended(err)
	}
	return c.reply, err
}

// unaryCall is one typed unary call: its context, dubbo-go's argument
// list and the reply, allocated together.
type unaryCall[Req, Res any] struct {
	dubboext.SpecContext
	m     *UnaryMethod[Req, Res]
	args  [1]any
	reply Res
	ic    *intercepted // this attempt's interceptors, or nil
	got   []byte       // the reply's bytes, lent while DecodeReply runs
}

// DecodeReply implements dubboext.ReplyDecoder.
func (c *unaryCall[Req, Res]) DecodeReply(b []byte) error {
	var err error
	if c.ic == nil {
		c.reply, err = c.m.res.unmarshal(b)
		return err
	}
	c.got = b
	v, err := c.ic.receive(false, 0)
	c.got = nil
	if err != nil {
		return err
	}
	reply, ok := v.(Res)
	if !ok {
		return wrongType[Res](v)
	}
	c.reply = reply
	return nil
}

// interceptUnary is every unary call's CallSpec.Intercept.
func interceptUnary(ctx context.Context, spec *dubboext.CallSpec, _ transport.Stream, info *filterchain.StreamInfo) error {
	return spec.Reply.(unaryIntercepted).intercept(ctx, spec, info)
}

type unaryIntercepted interface {
	intercept(ctx context.Context, spec *dubboext.CallSpec, info *filterchain.StreamInfo) error
}

// intercept runs the call's interceptors for one attempt: the request
// passes them down to be encoded as the attempt's, and DecodeReply hands
// the reply up through them.
func (c *unaryCall[Req, Res]) intercept(ctx context.Context, spec *dubboext.CallSpec, info *filterchain.StreamInfo) error {
	base := &baseConn{info: callInfo(info), header: info.Header, unary: spec}
	base.send = func(v any) error {
		req, ok := v.(Req)
		if !ok {
			return wrongType[Req](v)
		}
		b, err := c.m.req.marshal(req)
		if err != nil {
			return requestError(req, c.m.codec, err)
		}
		spec.Request = b
		return nil
	}
	given := false
	base.recv = func() (any, error) {
		if given || c.got == nil {
			return nil, io.EOF
		}
		given = true
		return c.m.res.unmarshal(c.got)
	}
	if c.ic != nil && spec.Stream != nil {
		// The attempt before this one, which dubbo-go's cluster retries.
		c.ic.ended(endStatus(spec.Stream.Context()))
	}
	mark := markHeader(info.Header)
	_, ic, err := intercept(ctx, filterchain.FromContext(ctx).TakeTyped(), base)
	c.ic = ic
	if err != nil || ic == nil {
		return err
	}
	if err := mark.checkAdded(info.Header); err != nil {
		ic.ended(err)
		c.ic = nil
		return err
	}
	return ic.send(c.args[0])
}

// Open starts a client-streaming call written with Write and DoneWriting;
// after DoneWriting, Read returns the one reply and then io.EOF. Close (or a
// done ctx) cancels the call; a call read to its end needs no Close. opts
// are as for UnaryMethod.Call; the response headers and trailers are also
// the stream's Header and Trailer.
func (m *ClientStreamMethod[Req, Res]) Open(ctx context.Context, conn *client.Connection, opts ...CallOption) (*ReadWriteStream[Res, Req], error) {
	return m.openReadWrite(ctx, conn, opts, func(c *client.Connection) callFunc { return c.CallClientStream })
}

// OpenWith starts a client-streaming call whose requests come from seq, as
// dubbo-python's iterator form: a goroutine writes every message of seq,
// then DoneWriting. It returns the stream to read the one reply from. If the
// call ends early the goroutine stops at seq's next yield; seq should return
// promptly when its yield returns false.
func (m *ClientStreamMethod[Req, Res]) OpenWith(ctx context.Context, conn *client.Connection, seq iter.Seq[Req], opts ...CallOption) (*ReadStream[Res], error) {
	rw, err := m.Open(ctx, conn, opts...)
	return openWith(rw, err, seq)
}

// Call starts a server-streaming call with one request and returns the
// stream of replies. opts are as for UnaryMethod.Call; the response
// headers and trailers are also the stream's Header and Trailer.
func (m *ServerStreamMethod[Req, Res]) Call(ctx context.Context, conn *client.Connection, req Req, opts ...CallOption) (*ReadStream[Res], error) {
	if m.err != nil {
		return nil, m.err
	}
	cfg, err := newCallConfig(opts)
	if err != nil {
		return nil, err
	}
	b, err := m.req.marshal(req)
	if err != nil {
		return nil, requestError(req, m.codec, err)
	}
	var ic *intercepted
	hook := func(ctx context.Context, spec *dubboext.CallSpec, s transport.Stream, info *filterchain.StreamInfo) error {
		var err error
		if ic, err = interceptConsumer(ctx, s, info); err != nil || ic == nil {
			return err
		}
		// The one request passes the interceptors now: the invoker
		// writes it when the stream opens.
		ic.base.send = func(v any) error {
			r, ok := v.(Req)
			if !ok {
				return wrongType[Req](v)
			}
			b, err := m.req.marshal(r)
			if err != nil {
				return requestError(r, m.codec, err)
			}
			spec.Request = b
			return nil
		}
		err = ic.send(req)
		ic.base.send = func(any) error {
			return NewError(CodeFailedPrecondition, "streamx: a server-streaming call sends one request")
		}
		return err
	}
	s, err := openStream(ctx, conn, m.name, m.codec, b, cfg, hook, func(ctx context.Context, name string, opts ...client.CallOption) (any, error) {
		return conn.CallServerStream(ctx, req, name, opts...)
	})
	if err != nil {
		return nil, err
	}
	rs := newReadStream(s, m.res)
	rs.cfg = cfg
	if ic != nil {
		ic.base.recv = rs.readBelow
		rs.ic = ic
	}
	return rs, nil
}

// Open starts a bidirectional call. Reading and writing may go on in two
// goroutines at once. DoneWriting half-closes; read until io.EOF, or Close to
// cancel. opts are as for UnaryMethod.Call; the response headers and
// trailers are also the stream's Header and Trailer.
func (m *BidiStreamMethod[Req, Res]) Open(ctx context.Context, conn *client.Connection, opts ...CallOption) (*ReadWriteStream[Res, Req], error) {
	return m.openReadWrite(ctx, conn, opts, func(c *client.Connection) callFunc { return c.CallBidiStream })
}

// OpenWith starts a bidirectional call whose requests come from seq (written
// by a goroutine, then DoneWriting) and returns the stream of replies.
func (m *BidiStreamMethod[Req, Res]) OpenWith(ctx context.Context, conn *client.Connection, seq iter.Seq[Req], opts ...CallOption) (*ReadStream[Res], error) {
	rw, err := m.Open(ctx, conn, opts...)
	return openWith(rw, err, seq)
}

// openReadWrite opens a stream the consumer writes: a client or bidi stream.
func (m *method[Req, Res]) openReadWrite(ctx context.Context, conn *client.Connection, opts []CallOption, call func(*client.Connection) callFunc) (*ReadWriteStream[Res, Req], error) {
	if m.err != nil {
		return nil, m.err
	}
	cfg, err := newCallConfig(opts)
	if err != nil {
		return nil, err
	}
	var ic *intercepted
	hook := func(ctx context.Context, _ *dubboext.CallSpec, s transport.Stream, info *filterchain.StreamInfo) error {
		var err error
		ic, err = interceptConsumer(ctx, s, info)
		return err
	}
	s, err := openStream(ctx, conn, m.name, m.codec, nil, cfg, hook, call(conn))
	if err != nil {
		return nil, err
	}
	rw := newClientReadWrite(s, m.res, m.req)
	rw.ReadStream.cfg = cfg
	if ic != nil {
		ic.base.recv, ic.base.send = rw.ReadStream.readBelow, rw.WriteStream.writeAny
		rw.ReadStream.ic, rw.WriteStream.ic = ic, ic
	}
	return rw, nil
}

// openWith starts a goroutine writing seq into an opened stream, then
// DoneWriting, and returns the stream's read side.
func openWith[Res, Req any](rw *ReadWriteStream[Res, Req], err error, seq iter.Seq[Req]) (*ReadStream[Res], error) {
	if err != nil {
		return nil, err
	}
	go writeAll(rw, seq)
	return rw.ReadStream, nil
}

func newClientReadWrite[Res, Req any](s transport.Stream, res *typed[Res], req *typed[Req]) *ReadWriteStream[Res, Req] {
	return &ReadWriteStream[Res, Req]{
		ReadStream:  newReadStream(s, res),
		WriteStream: &WriteStream[Req]{s: s, codec: req},
	}
}

// writeAll feeds seq into w, then DoneWriting. A panicking seq cancels the
// call with CodeInternal rather than crashing the program.
func writeAll[Res, Req any](rw *ReadWriteStream[Res, Req], seq iter.Seq[Req]) {
	defer func() {
		if p := recover(); p != nil {
			rw.ReadStream.s.Abort(Errorf(CodeInternal, "the request iterator panicked: %v", p))
		}
	}()
	for msg := range seq {
		if err := rw.Write(msg); err != nil {
			if unsendable(err) {
				// A message we cannot send (nil, not encodable, over the
				// send limit): fail the call rather than silently skip it.
				// Any other error means the call is over already, and its
				// reader learns how.
				rw.ReadStream.s.Abort(err)
			}
			return
		}
	}
	_ = rw.DoneWriting()
}

// unsendable reports whether a Write failed because of the message
// itself, leaving the stream as it was.
func unsendable(err error) bool {
	return CodeOf(err) == CodeInvalidArgument || errors.Is(err, transport.ErrTooLarge)
}

type interceptHook = func(ctx context.Context, spec *dubboext.CallSpec, s transport.Stream, info *filterchain.StreamInfo) error

type callFunc func(ctx context.Context, method string, opts ...client.CallOption) (any, error)

func openStream(ctx context.Context, conn *client.Connection, name string, codec Codec, request []byte, cfg *callConfig, hook interceptHook, call callFunc) (transport.Stream, error) {
	if err := checkConn(conn); err != nil {
		return nil, err
	}
	raw, err := call(dubboext.WithSpec(ctx, dubboext.CallSpec{Codec: codec.Name(), Request: request, Options: cfg, Intercept: hook}), name)
	if err != nil {
		if s, ok := raw.(transport.Stream); ok {
			s.Abort(err)
		}
		return nil, callError(err)
	}
	s, ok := raw.(transport.Stream)
	if !ok {
		return nil, Errorf(CodeFailedPrecondition,
			"streamx: the reference did not open a streamx stream (got %T): its protocol must be tri, served by streamx (blank-import github.com/dubbo-go-streamx/streamx/protocol/streamx)", raw)
	}
	return s, nil
}

func requestError(req any, c Codec, err error) error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return Errorf(CodeInvalidArgument, "cannot encode request %T with the %s codec: %w", req, c.Name(), err)
}

// callError turns what dubbo-go's cluster and filters return into an *Error.
func callError(err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	// dubbo-go's cluster says so in words only (cluster/base's
	// checkInvokers); give callers a sentinel to test for.
	if strings.Contains(err.Error(), "No provider available") {
		return public(status.Wrap(status.Unavailable, fmt.Errorf("%w: %w", ErrNoProvider, err)))
	}
	return public(status.Wrap(status.CodeOf(err), fmt.Errorf("streamx: %w", err)))
}
