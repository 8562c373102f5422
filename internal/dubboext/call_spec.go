package dubboext

import (
	"context"
	"net/http"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// CallSpec is what a typed consumer call (package streamx) hands the
// invoker through dubbo-go's cluster and filter chain, in the context.
type CallSpec struct {
	Codec   string
	Request []byte       // unary and server stream
	Reply   ReplyDecoder // unary: decodes the reply
	Options *CallOptions // the call's options, or nil
	// Start is when a unary call without a ctx deadline began: the
	// reference's timeout bounds all its attempts from then on.
	Start time.Time
	// Intercept, when set, runs the call's typed interceptors as the call
	// opens: after its stream filters opened, before the request headers
	// leave (s is nil for a unary call, whose stream is made after, with
	// the request). It may add to info.Header and replace Request. An error
	// fails the call before anything is sent.
	Intercept func(ctx context.Context, spec *CallSpec, s transport.Stream, info *filterchain.StreamInfo) error
	// Stream is a unary call's stream once made (for its response headers).
	Stream transport.Stream
}

// ReplyDecoder decodes a unary call's reply into the call.
type ReplyDecoder interface {
	DecodeReply(b []byte) error
}

// CallOptions are a call's metadata options (streamx.CallOption).
type CallOptions struct {
	Header    http.Header  // request headers, lower-case names, raw -bin values
	ResHeader *http.Header // ResponseHeader's destination
	ResTrlr   *http.Header // ResponseTrailer's destination
}

type callSpecKey struct{}

// SpecContext is a consumer call's context: its CallSpec and its stream
// filter chain, which dubbo-go filters registered by package filter add
// to, in one node instead of one per value. A typed unary call embeds it
// so that the call is one allocation.
type SpecContext struct {
	context.Context
	Spec  CallSpec
	chain filterchain.Chain
}

// Value implements context.Context.
func (c *SpecContext) Value(key any) any {
	switch key {
	case callSpecKey{}:
		return &c.Spec
	case filterchain.ContextKey{}:
		return &c.chain
	}
	return c.Context.Value(key)
}

// WithSpec returns ctx carrying s and an empty stream filter chain.
func WithSpec(ctx context.Context, s CallSpec) context.Context {
	return &SpecContext{Context: ctx, Spec: s}
}

func specFrom(ctx context.Context) (*CallSpec, bool) {
	s, ok := ctx.Value(callSpecKey{}).(*CallSpec)
	return s, ok
}

// requestHeader returns the headers a call sends: h (from the attachments,
// which it may modify; nil when none), then the call's own, -bin values
// base64-encoded. It is nil when there are none.
func (s *CallSpec) requestHeader(h http.Header) http.Header {
	if o := s.Options; o != nil && len(o.Header) > 0 {
		if h == nil {
			h = make(http.Header, len(o.Header)+5)
		}
		for k, vs := range o.Header {
			h[k] = append(h[k], vs...)
		}
	}
	if h == nil {
		return nil
	}
	return wire.EncodeBin(h)
}

// record stores a unary call's response headers and trailers where its
// options asked; raw is nil when the call never started.
func (s *CallSpec) record(raw *transport.ClientStream) {
	o := s.Options
	if o == nil || raw == nil {
		return
	}
	if o.ResHeader != nil {
		*o.ResHeader = raw.Header()
	}
	if o.ResTrlr != nil {
		*o.ResTrlr = raw.Trailer()
	}
}
