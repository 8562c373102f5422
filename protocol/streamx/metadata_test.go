package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

var (
	metaUnary  = streamx.NewUnary[greeter.Request, greeter.Reply]("metaUnary")
	metaClient = streamx.NewClientStream[greeter.Request, greeter.Reply]("metaClient")
	metaServer = streamx.NewServerStream[greeter.Request, greeter.Reply]("metaServer")
	metaBidi   = streamx.NewBidiStream[greeter.Request, greeter.Reply]("metaBidi")
)

// rawBin is a -bin value that is not UTF-8, with a NUL and bytes base64
// pads differently.
const rawBin = "\xff\x00\xfe\x80a"

// metaReply answers what a handler saw of the request headers, sets its
// response headers and trailers, and fails with status details when asked.
func metaReply(ctx context.Context, kind, name string) (greeter.Reply, error) {
	h := streamx.RequestHeader(ctx)
	if err := streamx.SetHeader(ctx, http.Header{"x-kind": {kind}, "x-head-bin": {"\x00h" + kind}}); err != nil {
		return nil, err
	}
	if err := streamx.SetTrailer(ctx, http.Header{"X-Trail": {kind}, "x-trail-bin": {"\xfft" + kind}}); err != nil {
		return nil, err
	}
	if name == "fail" {
		e := streamx.NewError(streamx.CodeFailedPrecondition, "failed "+kind)
		if err := e.AddDetail(wrapperspb.String("detail " + kind)); err != nil {
			return nil, err
		}
		return nil, e
	}
	att, _ := ctx.Value(constant.AttachmentKey).(map[string]any)
	return &pb.GreeterReply{Message: fmt.Sprintf("token=%s raw=%q att=%v", h.Get("x-token"), h.Get("x-raw-bin"), att["x-att"])}, nil
}

func metaService() *streamx.Service {
	svc := streamx.NewService("test.Meta")
	metaUnary.Handle(svc, func(ctx context.Context, req greeter.Request) (greeter.Reply, error) {
		return metaReply(ctx, "unary", req.Name)
	})
	metaClient.Handle(svc, func(ctx context.Context, in *streamx.ReadStream[greeter.Request]) (greeter.Reply, error) {
		name := ""
		for m := range in.Messages() {
			name = m.Name
		}
		if got := in.Header().Get("x-raw-bin"); got != rawBin {
			return nil, streamx.Errorf(streamx.CodeInternal, "ReadStream.Header: x-raw-bin %q", got)
		}
		return metaReply(ctx, "client", name)
	})
	metaServer.Handle(svc, func(ctx context.Context, req greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		r, err := metaReply(ctx, "server", req.Name)
		if err != nil {
			return err
		}
		if err := out.Write(r); err != nil {
			return err
		}
		// Too late for headers: an error, not a panic; trailers still go.
		if err := streamx.SetHeader(ctx, http.Header{"x-late": {"1"}}); streamx.CodeOf(err) != streamx.CodeFailedPrecondition {
			return streamx.Errorf(streamx.CodeInternal, "late SetHeader: %v", err)
		}
		return streamx.SetTrailer(ctx, http.Header{"x-after": {"write"}})
	})
	metaBidi.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		req, err := s.Read()
		if err != nil {
			return err
		}
		r, err := metaReply(ctx, "bidi", req.Name)
		if err != nil {
			return err
		}
		return s.Write(r)
	})
	return svc
}

type metaCall func(ctx context.Context, name string, opts ...streamx.CallOption) (reply string, header, trailer http.Header, err error)

// Request headers (a -bin one that is not UTF-8, and an attachment),
// response headers, trailers and status details cross on every call kind,
// through the options and through the streams' Header and Trailer.
func TestMetadataRoundTrip(t *testing.T) {
	noLeaks(t)
	conn := testenv.Dial(t, "test.Meta", serve(t, metaService()))
	readAll := func(rs *streamx.ReadStream[greeter.Reply]) (string, http.Header, http.Header, error) {
		msg := ""
		for {
			r, err := rs.Read()
			if errors.Is(err, io.EOF) {
				return msg, rs.Header(), rs.Trailer(), nil
			}
			if err != nil {
				return msg, rs.Header(), rs.Trailer(), err
			}
			msg = r.Message
		}
	}
	calls := map[string]metaCall{
		"unary": func(ctx context.Context, name string, opts ...streamx.CallOption) (string, http.Header, http.Header, error) {
			var h, tr http.Header
			r, err := metaUnary.Call(ctx, conn, greeter.Req(name), append(opts, streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr))...)
			if err != nil {
				return "", h, tr, err
			}
			return r.Message, h, tr, nil
		},
		"client": func(ctx context.Context, name string, opts ...streamx.CallOption) (string, http.Header, http.Header, error) {
			rs, err := metaClient.OpenWith(ctx, conn, greeter.Names(name), opts...)
			if err != nil {
				return "", nil, nil, err
			}
			return readAll(rs)
		},
		"server": func(ctx context.Context, name string, opts ...streamx.CallOption) (string, http.Header, http.Header, error) {
			var h, tr http.Header
			rs, err := metaServer.Call(ctx, conn, greeter.Req(name), append(opts, streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr))...)
			if err != nil {
				return "", nil, nil, err
			}
			msg, sh, st, err := readAll(rs)
			if fmt.Sprint(sh) != fmt.Sprint(h) || fmt.Sprint(st) != fmt.Sprint(tr) {
				t.Errorf("server: options gave %v %v, the stream %v %v", h, tr, sh, st)
			}
			return msg, sh, st, err
		},
		"bidi": func(ctx context.Context, name string, opts ...streamx.CallOption) (string, http.Header, http.Header, error) {
			s, err := metaBidi.Open(ctx, conn, opts...)
			if err != nil {
				return "", nil, nil, err
			}
			if err := s.Write(greeter.Req(name)); err != nil {
				return "", nil, nil, err
			}
			_ = s.DoneWriting()
			return readAll(s.ReadStream)
		},
	}
	for kind, call := range calls {
		t.Run(kind, func(t *testing.T) {
			ctx := context.WithValue(ctxT(t), constant.AttachmentKey, map[string]any{"x-att": "from-ctx"})
			opt := streamx.WithRequestHeader(http.Header{"X-Token": {"t-1"}, "x-raw-bin": {rawBin}})
			msg, h, tr, err := call(ctx, "ok", opt)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("token=t-1 raw=%q att=[from-ctx]", rawBin); msg != want {
				t.Errorf("reply %q, want %q", msg, want)
			}
			if h.Get("x-kind") != kind || h.Get("x-head-bin") != "\x00h"+kind {
				t.Errorf("header %v", h)
			}
			if tr.Get("x-trail") != kind || tr.Get("x-trail-bin") != "\xfft"+kind || tr.Get("grpc-status") != "" {
				t.Errorf("trailer %v", tr)
			}
			if kind == "server" && (tr.Get("x-after") != "write" || h.Get("x-late") != "") {
				t.Errorf("server: header %v trailer %v", h, tr)
			}

			_, h, tr, err = call(ctx, "fail", opt)
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeFailedPrecondition || se.Message() != "failed "+kind {
				t.Fatalf("error %v", err)
			}
			if d := se.Details(); len(d) != 1 {
				t.Fatalf("details %v", d)
			} else if m, err := d[0].UnmarshalNew(); err != nil || m.(*wrapperspb.StringValue).GetValue() != "detail "+kind {
				t.Errorf("detail %v, %v", m, err)
			}
			if tr.Get("x-trail") != kind || tr.Get("x-trail-bin") != "\xfft"+kind {
				t.Errorf("failed call's trailer %v", tr)
			}
			_ = h
		})
	}
}

// Reserved names and values HTTP/2 cannot carry as text fail the call
// before it is sent.
func TestRequestHeaderRefused(t *testing.T) {
	noLeaks(t)
	conn := testenv.Dial(t, "test.Meta", serve(t, metaService()))
	for _, h := range []http.Header{{"grpc-status": {"0"}}, {"x-text": {"caf\xc3\xa9"}}, {"content-type": {"x"}}} {
		_, err := metaUnary.Call(ctxT(t), conn, greeter.Req("ok"), streamx.WithRequestHeader(h))
		if streamx.CodeOf(err) != streamx.CodeInvalidArgument {
			t.Errorf("%v: %v", h, err)
		}
		if _, err := metaBidi.Open(ctxT(t), conn, streamx.WithRequestHeader(h)); streamx.CodeOf(err) != streamx.CodeInvalidArgument {
			t.Errorf("bidi %v: %v", h, err)
		}
	}
}
