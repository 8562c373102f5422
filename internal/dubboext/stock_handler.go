package dubboext

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/invocation"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
)

// compatHandler serves a method of a service that was not built with
// streamx (protoc-gen-go-triple code, dubbo-go's health and reflection
// services) the way stock Triple does, with dubbo-go's own triple_protocol
// handlers, so such services keep working on the same port.
func compatHandler(path string, m common.MethodInfo, invoker base.Invoker, group, version string) (http.Handler, error) {
	opts := []tri.HandlerOption{tri.WithGroup(group), tri.WithVersion(version)}
	invoke := func(ctx context.Context, name string, args []any, header http.Header) (any, error) {
		attachments := attachmentsOf(header)
		ctx = context.WithValue(ctx, constant.AttachmentKey, attachments)
		res := invoker.Invoke(ctx, invocation.NewRPCInvocation(name, args, attachments))
		return res.Result(), res.Error()
	}
	switch m.Type {
	case constant.CallUnary:
		if m.ReqInitFunc == nil {
			return nil, fmt.Errorf("method %s has no ReqInitFunc", m.Name)
		}
		return tri.NewUnaryHandler(path, m.ReqInitFunc, func(ctx context.Context, req *tri.Request) (*tri.Response, error) {
			out, err := invoke(ctx, m.Name, unaryArgs(req.Msg), req.Header())
			if r, ok := out.(*tri.Response); ok {
				return r, err
			}
			return tri.NewResponse([]any{out}), err
		}, opts...), nil
	case constant.CallClientStream, constant.CallServerStream, constant.CallBidiStream:
		if m.StreamInitFunc == nil {
			return nil, fmt.Errorf("streaming method %s has no StreamInitFunc", m.Name)
		}
	}
	switch m.Type {
	case constant.CallClientStream:
		return tri.NewClientStreamHandler(path, func(ctx context.Context, s *tri.ClientStream) (*tri.Response, error) {
			out, err := invoke(ctx, m.Name, []any{m.StreamInitFunc(s)}, s.RequestHeader())
			if r, ok := out.(*tri.Response); ok {
				return r, err
			}
			return tri.NewResponse([]any{out}), err
		}, opts...), nil
	case constant.CallServerStream:
		if m.ReqInitFunc == nil {
			return nil, fmt.Errorf("method %s has no ReqInitFunc", m.Name)
		}
		return tri.NewServerStreamHandler(path, m.ReqInitFunc, func(ctx context.Context, req *tri.Request, s *tri.ServerStream) error {
			_, err := invoke(ctx, m.Name, []any{req.Msg, m.StreamInitFunc(s)}, req.Header())
			return err
		}, opts...), nil
	case constant.CallBidiStream:
		return tri.NewBidiStreamHandler(path, func(ctx context.Context, s *tri.BidiStream) error {
			_, err := invoke(ctx, m.Name, []any{m.StreamInitFunc(s)}, s.RequestHeader())
			return err
		}, opts...), nil
	}
	return nil, fmt.Errorf("method %s has unknown call type %q", m.Name, m.Type)
}

// unaryArgs unpacks non-IDL requests, which arrive as pointers to each
// argument.
func unaryArgs(msg any) []any {
	raw, ok := msg.([]any)
	if !ok {
		return []any{msg}
	}
	args := make([]any, 0, len(raw))
	for _, a := range raw {
		if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && !v.IsNil() {
			args = append(args, v.Elem().Interface())
			continue
		}
		args = append(args, a)
	}
	return args
}
