package streamx

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// Service collects the handlers of one dubbo service, with no code
// generation. Register puts it on a dubbo-go server. Handle calls
// must finish before Register; a Service must not be shared by two servers.
type Service struct {
	name    string
	methods []common.MethodInfo
	seen    map[string]bool
	errs    []error
}

// NewService returns an empty service for interfaceName, e.g.
// "org.apache.dubbo.samples.data.Greeter".
func NewService(interfaceName string) *Service {
	s := &Service{name: interfaceName, seen: map[string]bool{}}
	if interfaceName == "" {
		s.errs = append(s.errs, errors.New("streamx: NewService needs an interface name"))
	}
	return s
}

// Reference returns the interface name; dubbo-go uses it to find the
// service's configuration.
func (s *Service) Reference() string { return s.name }

// Err returns every registration problem so far (a bad method declaration,
// a nil handler, a method registered twice), or nil. It also gives the
// handler struct an exported method, which dubbo-go's service map requires.
func (s *Service) Err() error { return errors.Join(s.errs...) }

// Info returns the dubbo-go ServiceInfo describing the handlers.
func (s *Service) Info() *common.ServiceInfo {
	return &common.ServiceInfo{InterfaceName: s.name, ServiceType: s, Methods: s.methods}
}

// Register registers svc on srv with dubbo-go service options (group,
// version, filters, ...). It returns svc.Err() if any Handle call failed.
// (It is a function, not a method, so dubbo-go does not take it for an RPC
// method of the service.)
func Register(srv *server.Server, s *Service, opts ...server.ServiceOption) error {
	if s == nil {
		return errors.New("streamx: Register of a nil *Service")
	}
	if err := s.Err(); err != nil {
		return err
	}
	return dubboext.RegisterService(srv, s, s.Info(), opts...)
}

func (s *Service) add(name, kind string, sm *dubboext.ServerMethod, declErr error, fn any, call func(ctx context.Context, args []any) (any, error)) {
	switch {
	case declErr != nil:
		s.errs = append(s.errs, declErr)
		return
	case isNilFunc(fn):
		s.errs = append(s.errs, fmt.Errorf("streamx: %s.%s: nil handler", s.name, name))
		return
	case s.seen[name]:
		s.errs = append(s.errs, fmt.Errorf("streamx: %s.%s: registered twice", s.name, name))
		return
	}
	s.seen[name] = true
	s.methods = append(s.methods, common.MethodInfo{
		Name: name,
		Type: kind,
		MethodFunc: func(ctx context.Context, args []any, _ any) (any, error) {
			return call(ctx, args)
		},
		Meta: map[string]any{dubboext.MetaKey: sm},
	})
}

func isNilFunc(fn any) bool {
	v := reflect.ValueOf(fn)
	return !v.IsValid() || (v.Kind() == reflect.Func && v.IsNil())
}

func (m *method[Req, Res]) serverMethod() *dubboext.ServerMethod {
	if m.err != nil {
		return nil
	}
	return &dubboext.ServerMethod{
		Codec:     m.codec.Name(),
		DecodeReq: func(b []byte) (any, error) { return m.req.unmarshal(b) },
		EncodeRes: func(v any) ([]byte, error) {
			res, ok := v.(Res)
			if !ok {
				return nil, fmt.Errorf("reply is %T, want %T", v, *new(Res))
			}
			return m.res.marshal(res)
		},
		ReqDesc: m.req.descriptor(),
		ResDesc: m.res.descriptor(),
	}
}

func argError(name string, args []any, want int) error {
	return Errorf(CodeInternal, "streamx: %s got %d invocation arguments, want %d (a filter changed them?)", name, len(args), want)
}

// Handle registers fn as the method's handler on svc. fn's error reaches the
// caller with its *Error code, or CodeUnknown for other errors.
func (m *UnaryMethod[Req, Res]) Handle(svc *Service, fn func(ctx context.Context, req Req) (Res, error)) {
	svc.add(m.name, m.kind, m.serverMethod(), m.err, fn, func(ctx context.Context, args []any) (any, error) {
		if len(args) != 1 {
			return nil, argError(m.name, args, 1)
		}
		req, ok := args[0].(Req)
		if !ok {
			return nil, Errorf(CodeInternal, "streamx: %s: request is %T", m.name, args[0])
		}
		c := dubboext.ServerCallFrom(ctx)
		if c == nil {
			return fn(ctx, req)
		}
		st, err := c.Open(ctx)
		if err != nil {
			return nil, err
		}
		if !hasInterceptors(ctx) {
			return fn(ctx, req)
		}
		one := &replySlot[Res]{}
		ctx, ic, err := interceptProvider(ctx, c, st, oneRequest(req), one.send)
		if err != nil {
			return nil, err
		}
		if req, err = receiveOne[Req](ic); err != nil {
			return nil, err
		}
		res, err := fn(ctx, req)
		if err != nil {
			return nil, err
		}
		return one.reply(ic, res)
	})
}

// Handle registers fn as the handler: it reads the requests from in (range
// over in.Messages(), or Read until io.EOF) and returns the one reply.
func (m *ClientStreamMethod[Req, Res]) Handle(svc *Service, fn func(ctx context.Context, in *ReadStream[Req]) (Res, error)) {
	svc.add(m.name, m.kind, m.serverMethod(), m.err, fn, func(ctx context.Context, args []any) (any, error) {
		st, err := streamArg(ctx, m.name, args, 0, 1)
		if err != nil {
			return nil, err
		}
		in := newReadStream(st, m.req)
		defer in.Close()
		if !hasInterceptors(ctx) {
			return fn(ctx, in)
		}
		one := &replySlot[Res]{}
		if ctx, in.ic, err = interceptProvider(ctx, args[0].(*dubboext.ServerCall), st, in.readBelow, one.send); err != nil {
			return nil, err
		}
		res, err := fn(ctx, in)
		if err != nil {
			return res, err
		}
		return one.reply(in.ic, res)
	})
}

// Handle registers fn as the handler: it gets the one request and writes
// replies to out. Returning ends the stream with fn's error (nil for OK).
func (m *ServerStreamMethod[Req, Res]) Handle(svc *Service, fn func(ctx context.Context, req Req, out *WriteStream[Res]) error) {
	svc.add(m.name, m.kind, m.serverMethod(), m.err, fn, func(ctx context.Context, args []any) (any, error) {
		st, err := streamArg(ctx, m.name, args, 1, 2)
		if err != nil {
			return nil, err
		}
		req, ok := args[0].(Req)
		if !ok {
			return nil, Errorf(CodeInternal, "streamx: %s: request is %T", m.name, args[0])
		}
		out := &WriteStream[Res]{s: st, codec: m.res}
		if !hasInterceptors(ctx) {
			return nil, fn(ctx, req, out)
		}
		if ctx, out.ic, err = interceptProvider(ctx, args[1].(*dubboext.ServerCall), st, oneRequest(req), out.writeAny); err != nil {
			return nil, err
		}
		if req, err = receiveOne[Req](out.ic); err != nil {
			return nil, err
		}
		return nil, fn(ctx, req, out)
	})
}

// HandleSeq registers fn as the handler in dubbo-python's generator style:
// every (reply, nil) the iterator yields is sent; a non-nil error ends the
// stream with that error. The iterator stops early (its yield returns false)
// when the consumer goes away.
func (m *ServerStreamMethod[Req, Res]) HandleSeq(svc *Service, fn func(ctx context.Context, req Req) iter.Seq2[Res, error]) {
	if fn == nil {
		m.Handle(svc, nil)
		return
	}
	m.Handle(svc, func(ctx context.Context, req Req, out *WriteStream[Res]) error {
		for msg, err := range fn(ctx, req) {
			if err != nil {
				return err
			}
			if err := out.Write(msg); err != nil {
				return err
			}
		}
		return nil
	})
}

// Handle registers fn as the handler: it reads requests from and writes
// replies to s, from one goroutine or two. Returning ends the stream with
// fn's error (nil for OK).
func (m *BidiStreamMethod[Req, Res]) Handle(svc *Service, fn func(ctx context.Context, s *ReadWriteStream[Req, Res]) error) {
	svc.add(m.name, m.kind, m.serverMethod(), m.err, fn, func(ctx context.Context, args []any) (any, error) {
		st, err := streamArg(ctx, m.name, args, 0, 1)
		if err != nil {
			return nil, err
		}
		rw := &ReadWriteStream[Req, Res]{
			ReadStream:  newReadStream(st, m.req),
			WriteStream: &WriteStream[Res]{s: st, codec: m.res},
		}
		defer rw.ReadStream.Close()
		if !hasInterceptors(ctx) {
			return nil, fn(ctx, rw)
		}
		ctx, ic, err := interceptProvider(ctx, args[0].(*dubboext.ServerCall), st, rw.ReadStream.readBelow, rw.WriteStream.writeAny)
		if err != nil {
			return nil, err
		}
		rw.ReadStream.ic, rw.WriteStream.ic = ic, ic
		return nil, fn(ctx, rw)
	})
}

// streamArg returns the provider stream of a streaming call, with its
// stream filters open.
func streamArg(ctx context.Context, name string, args []any, i, want int) (transport.Stream, error) {
	if len(args) != want {
		return nil, argError(name, args, want)
	}
	c, ok := args[i].(*dubboext.ServerCall)
	if !ok {
		return nil, Errorf(CodeInternal, "streamx: %s: stream argument is %T", name, args[i])
	}
	return c.Open(ctx)
}
