package dubboext

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"runtime/debug"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/invocation"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// methodHandler serves one streamx method: it reads the wire, runs the
// invocation through dubbo-go's provider filters to the handler, and writes
// the replies and the status.
type methodHandler struct {
	service  string
	name     string
	kind     string
	m        *ServerMethod
	invoker  base.Invoker
	settings transport.Settings
}

// accepts reports whether a request's codec can be served: the method's own,
// "data" (dubbo-python's name for "whatever the method uses"), or plain
// application/grpc for protobuf methods.
func (h *methodHandler) accepts(codec string) bool {
	own := h.m.Codec
	return codec == own || codec == "data" || (codec == "" && own == "proto")
}

func (h *methodHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ss, err := transport.Accept(w, r, h.settings, func(string) bool { return true })
	if err != nil {
		return
	}
	defer ss.Release()
	if !h.accepts(ss.Codec()) {
		ss.Finish(status.Errorf(status.InvalidArgument, "%s.%s takes %s messages, the request is %s",
			h.service, h.name, wire.ContentType(h.m.Codec), wire.ContentType(ss.Codec())))
		return
	}
	ss.Finish(h.serve(ss))
}

func (h *methodHandler) serve(ss *transport.ServerStream) (st error) {
	if h.kind == constant.CallUnary || h.kind == constant.CallClientStream {
		ss.SingleReply()
	}
	if err := decodeRequestHeader(ss); err != nil {
		return err
	}
	c := &ServerCall{raw: ss, info: filterchain.StreamInfo{
		Service: h.service, Method: h.name, Kind: h.kind, Side: filterchain.Provider,
		Peer: ss.Request().RemoteAddr, Header: ss.Header(), Start: time.Now(),
	}}
	defer func() { c.finish(st) }()
	var args []any
	switch h.kind {
	case constant.CallUnary, constant.CallServerStream:
		b, req, err := h.receiveOne(ss)
		if err != nil {
			return err
		}
		c.request = b
		c.argv[0] = req
		args = c.argv[:1]
		if h.kind == constant.CallServerStream {
			c.argv[1] = c
			args = c.argv[:2]
		}
	default:
		c.argv[0] = c
		args = c.argv[:1]
	}
	attachments := attachmentsOf(ss.Header())
	c.ctx = callContext{Context: ss.Context(), chain: &c.chain, attachments: attachments, call: c}
	ctx := &c.ctx
	res, perr := h.invoke(ctx, invocation.NewRPCInvocation(h.name, args, attachments))
	if perr != nil {
		return perr
	}
	if err := res.Error(); err != nil {
		return providerStatus(err)
	}
	if h.kind == constant.CallUnary || h.kind == constant.CallClientStream {
		reply := res.Result()
		if rv := reflect.ValueOf(reply); !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
			return status.Errorf(status.Internal, "%s.%s returned no reply and no error", h.service, h.name)
		}
		b, err := h.m.EncodeRes(reply)
		if err != nil {
			return status.Errorf(status.Internal, "%s.%s: cannot encode the reply: %v", h.service, h.name, err)
		}
		if err := ss.Write(b); err != nil {
			return status.From(err)
		}
	}
	return nil
}

// receiveOne reads the single request of a unary or server-streaming call.
func (h *methodHandler) receiveOne(ss *transport.ServerStream) ([]byte, any, error) {
	b, err := ss.Read()
	if errors.Is(err, io.EOF) && ss.DroppedEmpty() {
		b, err = []byte{}, nil // an empty request from dubbo-python, not its end marker
	} else if errors.Is(err, io.EOF) {
		return nil, nil, status.Errorf(status.InvalidArgument, "%s.%s: the request has no message", h.service, h.name)
	}
	if err != nil {
		return nil, nil, status.From(err)
	}
	// The read below takes back the lent bytes; stream filters see them
	// once they open.
	b = bytes.Clone(b)
	if b == nil {
		b = []byte{}
	}
	if _, err := ss.Read(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, nil, status.From(err)
		}
		return nil, nil, status.Errorf(status.InvalidArgument, "%s.%s takes one request message, got more", h.service, h.name)
	}
	req, err := h.m.DecodeReq(b)
	if err != nil {
		return nil, nil, status.Errorf(status.InvalidArgument, "%s.%s: cannot decode the %d-byte request with the %s codec: %v",
			h.service, h.name, len(b), h.m.Codec, err)
	}
	return b, req, nil
}

// invoke runs the invocation; a panicking handler fails this call with
// CodeInternal and the provider keeps serving.
func (h *methodHandler) invoke(ctx context.Context, inv base.Invocation) (res result.Result, perr error) {
	defer func() {
		if p := recover(); p != nil {
			logger.Errorf("[streamx] handler %s.%s panicked: %v\n%s", h.service, h.name, p, debug.Stack())
			perr = status.Errorf(status.Internal, "%s.%s: handler panicked: %v", h.service, h.name, p)
		}
	}()
	return h.invoker.Invoke(ctx, inv), nil
}

// providerStatus turns a handler's (or a filter's) error into a status.
func providerStatus(err error) error {
	var se *status.Error
	if errors.As(err, &se) && se != nil {
		return se
	}
	// A handler's ctx.Err() reaches us wrapped by dubbo-go as a business
	// error; it is the call's own deadline or cancellation.
	for _, ce := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, ce) {
			return status.Wrap(status.CodeOf(ce), ce)
		}
	}
	var te *tri.Error
	if errors.As(err, &te) {
		code := status.Code(te.Code())
		if te.Code() == tri.CodeBizError || code > status.Unauthenticated {
			code = status.Unknown
		}
		return status.New(code, te.Message())
	}
	return status.From(err)
}

// attachmentsOf gives filters the request headers, as stock Triple does:
// lower-case keys, []string values (those of the transport headers boxed
// once for the process, see wire.Canon).
func attachmentsOf(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		lower := wire.Lower(k)
		out[lower] = wire.Boxed(lower, v)
	}
	return out
}

// decodeRequestHeader decodes a request's -bin values in place, before
// filters and handlers see them.
func decodeRequestHeader(ss *transport.ServerStream) error {
	if err := wire.DecodeBin(ss.Header()); err != nil {
		return status.Wrap(status.InvalidArgument, err)
	}
	return nil
}
