package streamx

import (
	"context"
	"net/http"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// A CallOption configures one consumer call: the request headers it sends,
// and where it stores the response headers and trailers. Every call kind
// takes the same options (Call, Open and OpenWith).
//
// Why options rather than a richer return value for unary calls: a unary
// Call keeps returning (reply, error) as before, and the same three options
// mean the same on streams, as grpc-go's grpc.Header(&md) and
// grpc.Trailer(&md) do; streams also have Header and Trailer methods.
type CallOption interface{ applyToCall(*callConfig) }

// callConfig is the options as the protocol reads them.
type callConfig = dubboext.CallOptions

type callOptionFunc func(*callConfig)

func (f callOptionFunc) applyToCall(c *callConfig) { f(c) }

// WithRequestHeader sends h as request headers of the call, with the
// dubbo-go attachments in ctx (on the same key, both are sent). -bin values
// are raw bytes. A value that HTTP/2 cannot carry as text, or a reserved
// name, fails the call with CodeInvalidArgument before anything is sent.
// The call does not modify h.
func WithRequestHeader(h http.Header) CallOption {
	return callOptionFunc(func(c *callConfig) {
		if c.Header == nil {
			c.Header = make(http.Header, len(h))
		}
		for k, vs := range h {
			k = wire.Lower(k)
			c.Header[k] = append(c.Header[k], vs...)
		}
	})
}

// ResponseHeader stores the call's response headers (-bin values decoded)
// in *h: for a unary call when Call returns; for a stream once Read has
// returned a message, io.EOF or an error (ReadStream.Header gives the
// same). *h stays nil if the provider never answered.
func ResponseHeader(h *http.Header) CallOption {
	return callOptionFunc(func(c *callConfig) { c.ResHeader = h })
}

// ResponseTrailer stores the call's response trailers (-bin values decoded,
// without the gRPC status, which the error carries) in *h: for a unary
// call when Call returns; for a stream once Read has returned io.EOF or an
// error (ReadStream.Trailer gives the same).
func ResponseTrailer(h *http.Header) CallOption {
	return callOptionFunc(func(c *callConfig) { c.ResTrlr = h })
}

// newCallConfig applies opts; it returns nil when there are none, and an
// *Error for request headers that cannot be sent.
func newCallConfig(opts []CallOption) (*callConfig, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	c := &callConfig{}
	for _, o := range opts {
		if o != nil {
			o.applyToCall(c)
		}
	}
	for k, vs := range c.Header {
		if err := wire.CheckUserName(k); err != nil {
			return nil, status.Wrap(status.InvalidArgument, err)
		}
		if wire.IsBinKey(k) {
			continue
		}
		for _, v := range vs {
			if err := wire.CheckValue(k, v); err != nil {
				return nil, status.Wrap(status.InvalidArgument, err)
			}
		}
	}
	return c, nil
}

// Trailer returns the response trailers on a consumer (-bin values
// decoded, without the gRPC status, which Read's error carries), valid
// once Read has returned io.EOF or an error; nil before, and always nil on
// a provider (whose handler sets trailers with SetTrailer). It never
// blocks.
func (rs *ReadStream[T]) Trailer() http.Header { return rs.s.Trailer() }

// recordStream fills the call's ResponseHeader and ResponseTrailer
// destinations once a read ended the stream.
func (rs *ReadStream[T]) recordStream() {
	c := rs.cfg
	if c.ResHeader != nil {
		*c.ResHeader = rs.Header()
	}
	if c.ResTrlr != nil {
		*c.ResTrlr = rs.Trailer()
	}
}

// RequestHeader returns a copy of the request headers of the provider call
// ctx belongs to (a handler's ctx, in every call kind), -bin values
// decoded; nil outside a provider call. ReadStream.Header gives the same
// on the streams a handler reads.
func RequestHeader(ctx context.Context) http.Header {
	c := dubboext.ServerCallFrom(ctx)
	if c == nil {
		return nil
	}
	return c.RequestHeader().Clone()
}

// SetHeader adds h to the response headers of the provider call ctx
// belongs to, in every call kind. It must come before the first message
// the handler writes (a unary or client-stream handler may call it until
// it returns); later, or outside a provider call, it returns an *Error
// (CodeFailedPrecondition) and changes nothing. Reserved names and values
// HTTP/2 cannot carry as text return CodeInvalidArgument. It never blocks
// for long (the stream's lock) and is safe from any goroutine.
func SetHeader(ctx context.Context, h http.Header) error {
	c := dubboext.ServerCallFrom(ctx)
	if c == nil {
		return NewError(CodeFailedPrecondition, "streamx: SetHeader outside a provider call")
	}
	return c.SetHeader(h)
}

// SetTrailer adds h to the response trailers of the provider call ctx
// belongs to, sent with the status when the handler returns. It may be
// called until then, any number of times, from any goroutine; after the
// call has ended, or outside a provider call, it returns an *Error
// (CodeFailedPrecondition). The status itself is the handler's error.
func SetTrailer(ctx context.Context, h http.Header) error {
	c := dubboext.ServerCallFrom(ctx)
	if c == nil {
		return NewError(CodeFailedPrecondition, "streamx: SetTrailer outside a provider call")
	}
	return c.SetTrailer(h)
}
