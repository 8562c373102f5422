package dubboext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
	tri "dubbo.apache.org/dubbo-go/v3/protocol/triple/triple_protocol"
	dubbotls "dubbo.apache.org/dubbo-go/v3/tls"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// invoker calls one provider. Calls made with streamx method declarations
// use streamx's transport; other calls (generated Triple stubs) go to
// a stock Triple invoker created on first use.
type invoker struct {
	base.BaseInvoker
	client  *transport.Client
	service string
	group   string
	version string
	timeout time.Duration // unary calls without a ctx deadline

	stock lazyStock // for calls without a streamx method declaration
}

func newInvoker(url *common.URL) (*invoker, error) {
	ts, err := clientSettings(url)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsFromURL(url, dubbotls.IsClientTLSValid, dubbotls.GetClientTlSConfig)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(0) // none: the call's context decides
	if v := url.GetParam(constant.TimeoutKey, ""); v != "" {
		if timeout, err = settings.ParseDuration(constant.TimeoutKey, v); err != nil {
			return nil, fmt.Errorf("streamx: %w", err)
		}
	}
	return &invoker{
		BaseInvoker: *base.NewBaseInvoker(url),
		client:      transport.NewClient(url.Location, tlsConf, ts),
		service:     url.Interface(),
		group:       url.GetParam(constant.GroupKey, ""),
		version:     url.GetParam(constant.VersionKey, ""),
		timeout:     timeout,
	}, nil
}

// Invoke implements base.Invoker. For streams the result is the open
// stream; the typed API (package streamx) wraps it.
func (iv *invoker) Invoke(ctx context.Context, inv base.Invocation) result.Result {
	res := &result.RPCResult{}
	if !iv.IsAvailable() {
		res.SetError(status.Errorf(status.Unavailable, "streamx: the invoker for %s is destroyed", iv.GetURL().Location))
		return res
	}
	spec, ok := specFrom(ctx)
	if !ok {
		return iv.stockInvoker().Invoke(ctx, inv)
	}
	callType, _ := inv.GetAttribute(constant.CallTypeKey)
	kind, _ := callType.(string)
	switch kind {
	case constant.CallUnary:
		if err := iv.unary(ctx, inv, spec); err != nil {
			res.SetError(err)
		}
	case constant.CallServerStream, constant.CallClientStream, constant.CallBidiStream:
		s, err := iv.open(ctx, inv, spec, kind)
		if err != nil {
			res.SetError(err)
			return res
		}
		if kind == constant.CallServerStream {
			if err := s.Write(spec.Request); err != nil {
				s.Abort(err) // the first read returns it
			} else {
				_ = s.DoneWriting()
			}
		}
		res.SetResult(transport.Stream(s))
	default:
		res.SetError(status.Errorf(status.Internal, "streamx: unknown call type %v", callType))
	}
	return res
}

// open opens the call's stream filters and starts the HTTP/2 stream.
func (iv *invoker) open(ctx context.Context, inv base.Invocation, spec *CallSpec, kind string) (*transport.ClientStream, error) {
	header := spec.requestHeader(iv.header(inv))
	if header == nil {
		header = make(http.Header, 5) // for the transport's fields, which filters see
	}
	raw := iv.client.NewStream(ctx, methodPath(iv.service, inv.MethodName()), header, spec.Codec)
	// Filters open before the request leaves, so one can refuse it.
	info := &filterchain.StreamInfo{
		Service: iv.service, Method: inv.MethodName(), Kind: kind, Side: filterchain.Consumer,
		Peer: iv.GetURL().Location, Header: header, Start: time.Now(),
	}
	err := raw.OpenFilters(ctx, filterchain.FromContext(ctx), info)
	if err != nil {
		return nil, err
	}
	if spec.Intercept != nil {
		if err := spec.Intercept(ctx, spec, raw, info); err != nil {
			raw.Abort(err)
			return nil, err
		}
	}
	raw.Start()
	return raw, nil
}

// unary makes one attempt of a unary call. dubbo-go's failover cluster
// calls it again after a failure, with the same ctx and spec, and checks
// neither the deadline nor the time spent: unary stops the retries (see
// final) once the call is out of time, so that no attempt starts after the
// deadline, and bounds each attempt by what is left of it.
func (iv *invoker) unary(ctx context.Context, inv base.Invocation, spec *CallSpec) error {
	// A done ctx fails the attempt at once (NewUnary), and is final below.
	timeout, err := iv.budget(spec)
	if err != nil {
		return final(err)
	}
	err = iv.attempt(ctx, inv, spec, timeout)
	if err != nil && !tri.IsWireError(err) {
		if ended(ctx) {
			// The caller's deadline or cancel: no retry.
			if se, ok := status.As(err); ok && se.Code() == status.DeadlineExceeded && se.Message() == context.DeadlineExceeded.Error() {
				// The bare context error: say what was waited for.
				err = status.Errorf(status.DeadlineExceeded, "no reply from %s within the caller's deadline: %w",
					iv.GetURL().Location, context.DeadlineExceeded)
			}
			return final(err)
		}
		if _, over := iv.budget(spec); over != nil {
			return final(err) // the reference's timeout is spent
		}
	}
	return err
}

// budget returns the reference's timeout for an attempt of a unary call
// without a ctx deadline: what is left of it since the call began (all
// attempts share it), or an error once it is spent. A
// first attempt, starting within a millisecond of the call, takes the
// whole timeout (and shares its encoded grpc-timeout with other calls).
func (iv *invoker) budget(spec *CallSpec) (time.Duration, error) {
	if iv.timeout <= 0 || spec.Start.IsZero() {
		return iv.timeout, nil // a ctx deadline (NewUnary ignores timeout), or no bound
	}
	spent := time.Since(spec.Start)
	if spent < time.Millisecond {
		return iv.timeout, nil
	}
	if left := iv.timeout - spent; left > 0 {
		return left, nil
	}
	return 0, status.Errorf(status.DeadlineExceeded, "no reply within the call's timeout (%v, retries included): %w",
		iv.timeout, context.DeadlineExceeded)
}

// ended reports whether ctx is done or past its deadline (its timer may
// fire a moment after the dial's, which ends at the same deadline).
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// final marks the error of a call that is over, whatever the cluster's
// retries, as a business error: dubbo-go's failover cluster then returns
// it at once, instead of starting an attempt that cannot succeed (and
// logging an ERROR with a stack trace after the last one). The typed API
// unwraps it (callError).
func final(err error) error { return tri.NewWireError(tri.CodeBizError, err) }

// attempt is one try of a unary call; timeout bounds it when ctx has no
// deadline.
func (iv *invoker) attempt(ctx context.Context, inv base.Invocation, spec *CallSpec, timeout time.Duration) error {
	var (
		raw *transport.ClientStream
		err error
	)
	defer func() { spec.record(raw) }()
	// One path whatever the filters: the request goes as a fixed body
	// with the headers, and the stream enforces the deadline itself.
	header := spec.requestHeader(iv.header(inv))
	if spec.Intercept != nil && len(filterchain.FromContext(ctx).Typed()) > 0 {
		if header == nil {
			header = make(http.Header)
		}
		err := spec.Intercept(ctx, spec, nil, &filterchain.StreamInfo{
			Service: iv.service, Method: inv.MethodName(), Kind: constant.CallUnary, Side: filterchain.Consumer,
			Peer: iv.GetURL().Location, Header: header, Start: time.Now(),
		})
		if err != nil {
			return final(err) // an interceptor's refusal: no retry
		}
	}
	raw, err = iv.client.NewUnary(ctx, methodPath(iv.service, inv.MethodName()), header, spec.Codec, spec.Request, timeout)
	if err != nil {
		return err
	}
	spec.Stream = raw
	if chain := filterchain.FromContext(ctx); chain.Len() > 0 {
		err := raw.OpenFilters(ctx, chain, &filterchain.StreamInfo{
			Service: iv.service, Method: inv.MethodName(), Kind: constant.CallUnary, Side: filterchain.Consumer,
			Peer: iv.GetURL().Location, Header: raw.RequestHeader(), Start: time.Now(),
		})
		if err != nil {
			return err
		}
		// Filters see the request before it leaves, and may refuse it.
		if err := raw.Sending(spec.Request); err != nil {
			return err
		}
	}
	raw.Start()
	b, err := raw.Read()
	if err == nil {
		// Decoded now: the read of the status takes back b's bytes. A
		// reply followed by a failure is dropped with it.
		derr := spec.Reply.DecodeReply(b)
		_, err = raw.Read() // the status
		if errors.Is(err, io.EOF) {
			var se *status.Error
			if errors.As(derr, &se) && se != nil {
				return final(se) // an interceptor ended the call
			}
			if derr != nil {
				return status.Errorf(status.Internal, "cannot decode the reply: %v", derr)
			}
			return nil
		}
		if err == nil {
			err = status.New(status.Internal, "provider sent more than one reply to a unary call")
		}
	} else if errors.Is(err, io.EOF) {
		err = status.New(status.Internal, "provider ended a unary call without a reply")
	}
	if raw.Answered() {
		// The provider ran the call: mark the error as a business error so
		// dubbo-go's failover cluster does not run it again elsewhere.
		return tri.NewWireError(tri.CodeBizError, err)
	}
	return err
}

// header turns the invocation's attachments into request headers.
// It is nil when there is none: a unary call's transport fields go
// without a map.
func (iv *invoker) header(inv base.Invocation) http.Header {
	// Sized for what it will hold: the attachments sent, group, version
	// and the fields the transport adds to a stream's, so that it does
	// not grow (dubbo-go's own attachments are never sent).
	n := 0
	for k := range inv.Attachments() {
		if !wire.ReservedHeader(k) {
			n++
		}
	}
	if iv.group != "" {
		n++
	}
	if iv.version != "" {
		n++
	}
	if n == 0 {
		return nil
	}
	h := make(http.Header, n+5)
	for k, v := range inv.Attachments() {
		if wire.ReservedHeader(k) {
			continue // dubbo-go's own, or one HTTP/2 cannot carry
		}
		k = wire.Lower(k)
		switch val := v.(type) {
		case string:
			if val != "" {
				h[k] = []string{val}
			}
		case []string:
			if len(val) > 0 {
				h[k] = append([]string(nil), val...)
			}
		}
	}
	if iv.group != "" {
		h[wire.Lower(wire.HeaderGroup)] = []string{iv.group} // lower case, as every name here
	}
	if iv.version != "" {
		h[wire.Lower(wire.HeaderVersion)] = []string{iv.version}
	}
	return h
}

func (iv *invoker) stockInvoker() base.Invoker { return iv.stock.get(iv.GetURL()) }

// Destroy implements base.Invoker. A stock invoker being made meanwhile
// is destroyed too; none is made after.
func (iv *invoker) Destroy() {
	iv.BaseInvoker.Destroy()
	iv.client.Close()
	iv.stock.destroy()
}

type failedInvoker struct {
	*base.BaseInvoker
	err error
}

func (f *failedInvoker) Invoke(context.Context, base.Invocation) result.Result {
	return &result.RPCResult{Err: f.err}
}
