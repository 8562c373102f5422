package dubboext

import (
	"context"
	"net/http"
	"sync"

	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// ServerMethod is what the protocol needs from a streamx method
// declaration to serve it; it rides in common.MethodInfo.Meta under
// MetaKey.
type ServerMethod struct {
	Codec     string                    // the codec's name
	DecodeReq func([]byte) (any, error) // unary and server stream
	EncodeRes func(any) ([]byte, error) // unary and client stream
	// The message types, for gRPC reflection; nil unless the codec is
	// protobuf (a JSON or raw method has no descriptor to give).
	ReqDesc, ResDesc protoreflect.MessageDescriptor
}

// MetaKey is the common.MethodInfo.Meta key of a *ServerMethod.
const MetaKey = "streamx.method"

// ServerCall is the provider side of one call. It rides in the context
// (and, for streaming methods, in the invocation's arguments) through
// dubbo-go's filters to the handler. Stream filters added by those filters
// are opened when the handler starts.
type ServerCall struct {
	raw     *transport.ServerStream
	chain   filterchain.Chain // the call's stream filters; in here, one allocation less
	ctx     callContext       // the handler's context node, likewise
	info    filterchain.StreamInfo
	request []byte // unary and server stream: read before the filters ran
	argv    [2]any // the invocation's arguments, in here too

	once     sync.Once
	err      error       // why the stream filters refused the call
	onFinish func(error) // set on the handler's goroutine before it runs
}

// OnFinish has f run with the call's status once the handler has
// returned (nil for OK). Call it from the handler's goroutine, before the
// handler runs; a later call replaces f.
func (c *ServerCall) OnFinish(f func(error)) { c.onFinish = f }

type serverCallKey struct{}

// ServerCallFrom returns the provider call ctx belongs to, or nil.
func ServerCallFrom(ctx context.Context) *ServerCall {
	c, _ := ctx.Value(serverCallKey{}).(*ServerCall)
	return c
}

// Open opens the stream filters and returns the stream handlers use. It
// opens them once; later calls return the same stream.
func (c *ServerCall) Open(ctx context.Context) (transport.Stream, error) {
	c.once.Do(func() {
		c.err = c.raw.OpenFilters(ctx, &c.chain, &c.info)
		if c.err == nil && c.request != nil {
			c.err = c.raw.Received(c.request)
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return c.raw, nil
}

// Info describes the call (its Header is the request headers); the caller
// must not modify it.
func (c *ServerCall) Info() *filterchain.StreamInfo { return &c.info }

// RequestHeader returns the request headers (-bin values decoded); the
// caller must not modify them.
func (c *ServerCall) RequestHeader() http.Header { return c.raw.Header() }

// SetHeader adds h to the response headers (see transport.ServerStream).
func (c *ServerCall) SetHeader(h http.Header) error { return c.raw.SetHeader(h) }

// SetTrailer adds h to the response trailers (see transport.ServerStream).
func (c *ServerCall) SetTrailer(h http.Header) error { return c.raw.SetTrailer(h) }

// finish runs the stream filters' OnClose with the call's status (none
// ran if the handler never did: a dubbo-go filter answered instead).
func (c *ServerCall) finish(err error) {
	c.once.Do(func() {}) // no filter opens after the call
	c.raw.CloseFilters(err)
	if c.onFinish != nil {
		c.onFinish(err)
	}
}

// callContext is a provider call's context: the values filters and
// handlers look up (the stream filter chain, dubbo-go's attachments, the
// call) in one node instead of three, since an idle stream keeps it.
type callContext struct {
	context.Context
	chain       *filterchain.Chain
	attachments map[string]any
	call        *ServerCall
}

func (c *callContext) Value(key any) any {
	switch key {
	case filterchain.ContextKey{}:
		return c.chain
	case constant.AttachmentKey:
		return c.attachments
	case serverCallKey{}:
		return c.call
	}
	return c.Context.Value(key)
}
