package streamx

import (
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

// A MethodOption configures a method declaration.
type MethodOption interface{ applyToMethod(*methodConfig) }

type methodConfig struct {
	codec Codec
}

type methodOptionFunc func(*methodConfig)

func (f methodOptionFunc) applyToMethod(c *methodConfig) { f(c) }

// WithCodec sets the method's codec for requests and replies (default
// ProtoCodec), like a dubbo-python method's serializers.
func WithCodec(c Codec) MethodOption {
	return methodOptionFunc(func(m *methodConfig) { m.codec = c })
}

// method is what every method declaration shares.
type method[Req, Res any] struct {
	name  string
	kind  string // a dubbo-go call type: constant.CallUnary, ...
	codec Codec
	req   *typed[Req]
	res   *typed[Res]
	err   error // a declaration error, reported by every use
}

func newMethod[Req, Res any](name, kind string, opts []MethodOption) method[Req, Res] {
	cfg := methodConfig{codec: ProtoCodec{}}
	for _, o := range opts {
		o.applyToMethod(&cfg)
	}
	m := method[Req, Res]{name: name, kind: kind, codec: cfg.codec}
	if name == "" {
		m.err = fmt.Errorf("streamx: a method needs a name")
		return m
	}
	if cfg.codec == nil || cfg.codec.Name() == "" {
		m.err = fmt.Errorf("streamx: method %s: codec must be non-nil and named", name)
		return m
	}
	var err error
	if m.req, err = newTyped[Req](cfg.codec); err != nil {
		m.err = fmt.Errorf("streamx: method %s: request type: %w", name, err)
		return m
	}
	if m.res, err = newTyped[Res](cfg.codec); err != nil {
		m.err = fmt.Errorf("streamx: method %s: reply type: %w", name, err)
	}
	return m
}

// Name returns the method's name on the wire.
func (m *method[Req, Res]) Name() string { return m.name }

// Err returns the declaration's error (a codec that cannot handle the
// message types, an empty name), or nil. Every call and registration of a
// bad declaration returns it too.
func (m *method[Req, Res]) Err() error { return m.err }

// UnaryMethod declares a unary method: one request, one reply.
type UnaryMethod[Req, Res any] struct{ method[Req, Res] }

// ClientStreamMethod declares a client-streaming method: many requests, one
// reply.
type ClientStreamMethod[Req, Res any] struct{ method[Req, Res] }

// ServerStreamMethod declares a server-streaming method: one request, many
// replies.
type ServerStreamMethod[Req, Res any] struct{ method[Req, Res] }

// BidiStreamMethod declares a bidirectional-streaming method.
type BidiStreamMethod[Req, Res any] struct{ method[Req, Res] }

// NewUnary declares a unary method named as on the wire (e.g. "sayHello").
// Declarations are immutable and safe to share between goroutines, clients
// and services.
func NewUnary[Req, Res any](name string, opts ...MethodOption) *UnaryMethod[Req, Res] {
	return &UnaryMethod[Req, Res]{newMethod[Req, Res](name, constant.CallUnary, opts)}
}

// NewClientStream declares a client-streaming method.
func NewClientStream[Req, Res any](name string, opts ...MethodOption) *ClientStreamMethod[Req, Res] {
	return &ClientStreamMethod[Req, Res]{newMethod[Req, Res](name, constant.CallClientStream, opts)}
}

// NewServerStream declares a server-streaming method.
func NewServerStream[Req, Res any](name string, opts ...MethodOption) *ServerStreamMethod[Req, Res] {
	return &ServerStreamMethod[Req, Res]{newMethod[Req, Res](name, constant.CallServerStream, opts)}
}

// NewBidiStream declares a bidirectional-streaming method.
func NewBidiStream[Req, Res any](name string, opts ...MethodOption) *BidiStreamMethod[Req, Res] {
	return &BidiStreamMethod[Req, Res]{newMethod[Req, Res](name, constant.CallBidiStream, opts)}
}
