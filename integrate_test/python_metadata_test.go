package integrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// The metadata interop tests pin down what crosses between streamx and
// dubbo-python 3.0.0b1 besides messages: request headers, response headers,
// trailers and the status. The Python peers are meta_server.py and
// meta_client.py; both sides name the service metaServiceName.

const metaServiceName = "org.apache.dubbo.samples.data.Meta"

// Methods of meta_server.py (Go consumer -> Python provider).
var (
	pyPlain         = streamx.NewUnary[greeter.Request, greeter.Reply]("plain")
	pyTrailerServer = streamx.NewServerStream[greeter.Request, greeter.Reply]("trailerServer")
	pyTrailerClient = streamx.NewClientStream[greeter.Request, greeter.Reply]("trailerClient")
	pyTrailerBidi   = streamx.NewBidiStream[greeter.Request, greeter.Reply]("trailerBidi")
	pyFailUnary     = streamx.NewUnary[greeter.Request, greeter.Reply]("failUnary")
	pyFailText      = streamx.NewUnary[greeter.Request, greeter.Reply]("failText")
)

// pyBin is the raw value of meta_server.py's x-py-bin trailer.
const pyBin = "\x00\xffpy"

// metaRequestHeader is what the Go consumer sends to meta_server.py: a
// custom header, a -bin one that is not UTF-8, and (below) an attachment.
func metaRequestHeader() streamx.CallOption {
	return streamx.WithRequestHeader(http.Header{"X-Custom": {"c1"}, "x-raw-bin": {"\xff\x00\xfe"}})
}

func withAttachment(ctx context.Context) context.Context {
	return context.WithValue(ctx, constant.AttachmentKey, map[string]any{"x-att": "a1"})
}

// TestGoConsumerPythonProviderMetadata: dubbo-python ignores the request
// headers a Go consumer sends (custom, -bin, attachments): the calls
// succeed as without them. Its only response headers are :status and
// content-type; a stream handler's done_writing(**kwargs) become trailers
// (a -bin one arrives decoded); a raised exception arrives as INTERNAL with
// its text (UTF-8 kept), no details, and the stray trailer tri_rpc_status.
func TestGoConsumerPythonProviderMetadata(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	_, port := py.StartServerScript(t, "meta_server.py")
	// One connection for the whole test (dubbo-python's multi-connection
	// bug).
	conn := testenv.Dial(t, metaServiceName, "tri://"+testenv.Addr(port))
	ctx := func(t *testing.T) context.Context { return withAttachment(ctxFor(t, 10*time.Second)) }

	// Python's response headers: content-type alone.
	wantHeader := func(t *testing.T, h http.Header) {
		t.Helper()
		if want := (http.Header{"Content-Type": {"application/grpc+data"}}); !reflect.DeepEqual(h, want) {
			t.Errorf("response header %v, want %v", h, want)
		}
	}
	// What a stream handler passed to done_writing.
	wantTrailer := func(t *testing.T, tr http.Header, names string) {
		t.Helper()
		if want := (http.Header{"X-Py-Trailer": {names}, "X-Py-Bin": {pyBin}}); !reflect.DeepEqual(tr, want) {
			t.Errorf("response trailer %q, want %q", tr, want)
		}
	}

	t.Run("unary_ignores_request_headers", func(t *testing.T) {
		var h, tr http.Header
		r, err := pyPlain.Call(ctx(t), conn, greeter.Req("go"), metaRequestHeader(), streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr))
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "plain", []string{r.Message}, []string{"Hello, go"})
		wantHeader(t, h)
		if len(tr) != 0 {
			t.Errorf("a unary handler cannot set trailers, got %v", tr)
		}
	})

	t.Run("server_stream_trailers", func(t *testing.T) {
		var h, tr http.Header
		rs, err := pyTrailerServer.Call(ctx(t), conn, greeter.Req("s"), metaRequestHeader(), streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "trailerServer", got, []string{"s"})
		wantHeader(t, h)
		wantTrailer(t, tr, "s")
		wantTrailer(t, rs.Trailer(), "s")
	})

	t.Run("client_stream_trailers", func(t *testing.T) {
		var tr http.Header
		rs, err := pyTrailerClient.OpenWith(ctx(t), conn, greeter.Names("a", "b"), metaRequestHeader(), streamx.ResponseTrailer(&tr))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "trailerClient", got, []string{"a b"})
		wantHeader(t, rs.Header())
		wantTrailer(t, tr, "a b")
	})

	t.Run("bidi_trailers", func(t *testing.T) {
		s, err := pyTrailerBidi.Open(ctx(t), conn, metaRequestHeader())
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"x", "y"} {
			if err := s.Write(greeter.Req(n)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(s.ReadStream)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "trailerBidi", got, []string{"x y"})
		wantHeader(t, s.Header())
		wantTrailer(t, s.Trailer(), "x y")
	})

	// A raised exception: INTERNAL, "Invoke method failed: " + its text
	// (non-ASCII text arrives intact: dubbo-python sends it as raw UTF-8,
	// not percent-encoded), no details. dubbo-python sends it trailers-only,
	// with an extra tri_rpc_status field holding the Python repr of its
	// status: done_writing pops "tri-rpc-status" but was given
	// "tri_rpc_status".
	for _, c := range []struct {
		m        *streamx.UnaryMethod[greeter.Request, greeter.Reply]
		wantDesc string
	}{
		{pyFailUnary, "boom: x"},
		{pyFailText, "caf\u00e9 100%"},
	} {
		t.Run("raise_"+c.m.Name(), func(t *testing.T) {
			var tr http.Header
			_, err := c.m.Call(ctx(t), conn, greeter.Req("x"), metaRequestHeader(), streamx.ResponseTrailer(&tr))
			var se *streamx.Error
			if !errors.As(err, &se) {
				t.Fatalf("want an *Error, got %T %v", err, err)
			}
			if want := "Invoke method failed: " + c.wantDesc; se.Code() != streamx.CodeInternal || se.Message() != want {
				t.Errorf("got %v %q, want internal %q", se.Code(), se.Message(), want)
			}
			if d := se.Details(); len(d) != 0 {
				t.Errorf("details %v, want none", d)
			}
			want := "TriRpcStatus(code=GRpcCode.INTERNAL, cause=" + c.wantDesc + ", description=Invoke method failed: " + c.wantDesc + ")"
			if got := tr.Get("tri_rpc_status"); got != want || len(tr) != 1 {
				t.Errorf("trailer %q, want only tri_rpc_status %q", tr, want)
			}
		})
	}

	// The connection still works after everything above.
	t.Run("unary_again", func(t *testing.T) {
		r, err := pyPlain.Call(ctx(t), conn, greeter.Req("again"))
		if err != nil || r.Message != "Hello, again" {
			t.Fatalf("got %v %v", r, err)
		}
	})
}

// Methods of the Go provider meta_client.py calls (Python consumer -> Go
// provider).
var (
	goEchoHeaders = streamx.NewUnary[greeter.Request, greeter.Reply]("echoHeaders")
	goHeaderStrm  = streamx.NewServerStream[greeter.Request, greeter.Reply]("headerStream")
	goFailDetails = streamx.NewUnary[greeter.Request, greeter.Reply]("failDetails")
)

// goMetaMessage is failDetails' status message: non-ASCII and a '%', which
// the gRPC wire percent-encodes.
const goMetaMessage = "failed: caf\u00e9 100%"

// describeRequest is what a handler saw of the request: the headers
// (sorted names, without the pseudo-headers) and the attachments' names.
func describeRequest(ctx context.Context) string {
	h := streamx.RequestHeader(ctx)
	hdr := map[string]string{}
	for k, vs := range h {
		hdr[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	att, _ := ctx.Value(constant.AttachmentKey).(map[string]any)
	var names []string
	for k := range att {
		names = append(names, k)
	}
	sort.Strings(names)
	b, _ := json.Marshal(map[string]any{"headers": hdr, "attachments": names})
	return string(b)
}

// setGoMetadata sets response headers and trailers, -bin ones included,
// that a Python consumer must cope with.
func setGoMetadata(ctx context.Context) error {
	if err := streamx.SetHeader(ctx, http.Header{"x-go-header": {"h"}, "x-go-header-bin": {"\x00\xff"}}); err != nil {
		return err
	}
	return streamx.SetTrailer(ctx, http.Header{"x-go-trailer": {"t"}, "x-go-trailer-bin": {"\xff\x00"}})
}

func goMetaService() *streamx.Service {
	svc := streamx.NewService(metaServiceName)
	goEchoHeaders.Handle(svc, func(ctx context.Context, req greeter.Request) (greeter.Reply, error) {
		if err := setGoMetadata(ctx); err != nil {
			return nil, err
		}
		return &pb.GreeterReply{Message: describeRequest(ctx)}, nil
	})
	goHeaderStrm.Handle(svc, func(ctx context.Context, req greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		if err := setGoMetadata(ctx); err != nil {
			return err
		}
		if err := out.Write(&pb.GreeterReply{Message: describeRequest(ctx)}); err != nil {
			return err
		}
		return out.Write(&pb.GreeterReply{Message: "done " + req.Name})
	})
	goFailDetails.Handle(svc, func(ctx context.Context, req greeter.Request) (greeter.Reply, error) {
		if err := setGoMetadata(ctx); err != nil {
			return nil, err
		}
		e := streamx.NewError(streamx.CodeFailedPrecondition, goMetaMessage)
		if err := e.AddDetail(wrapperspb.String("detail for " + req.Name)); err != nil {
			return nil, err
		}
		return nil, e
	})
	return svc
}

// TestPythonConsumerGoProviderMetadata: a dubbo-python consumer sends only
// content-type and te (it has no way to add a header, so the Go handler's
// attachments are those two as well), copes with a Go provider's response headers
// and trailers (-bin ones included) without exposing them, and of a Go
// status with details gets the code and the still percent-encoded message,
// not the details.
func TestPythonConsumerGoProviderMetadata(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	url := testenv.Serve(t, goMetaService())
	res := py.RunClientScript(t, "meta_client.py", "--url", url,
		"--case", "echo_headers", "--case", "header_stream", "--case", "fail_details")
	byCase := map[string]map[string]any{}
	for _, r := range res {
		byCase[r["case"].(string)] = r
	}
	for _, name := range []string{"echo_headers", "header_stream", "fail_details"} {
		if byCase[name] == nil {
			t.Fatalf("no result for %s in %v", name, res)
		}
	}

	// What the Go handler saw of a dubbo-python request.
	checkRequest := func(t *testing.T, desc string) {
		t.Helper()
		var got struct {
			Headers     map[string]string `json:"headers"`
			Attachments []string          `json:"attachments"`
		}
		if err := json.Unmarshal([]byte(desc), &got); err != nil {
			t.Fatalf("reply %q: %v", desc, err)
		}
		t.Logf("a dubbo-python request carries: %s", desc)
		var names []string
		for k := range got.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		if want := []string{"content-type", "te"}; !reflect.DeepEqual(names, want) {
			t.Errorf("request header names %q, want %q", names, want)
		}
		if got.Headers["content-type"] != "application/grpc+data" || got.Headers["te"] != "trailers" {
			t.Errorf("request headers %v", got.Headers)
		}
		// dubbo-go's attachments are the request headers.
		if want := []string{"content-type", "te"}; !reflect.DeepEqual(got.Attachments, want) {
			t.Errorf("attachments %q, want %q", got.Attachments, want)
		}
	}

	t.Run("echo_headers", func(t *testing.T) {
		r := byCase["echo_headers"]
		if r["error"] != nil {
			t.Fatalf("error %v", r["error"])
		}
		msgs := strs(r["messages"])
		if len(msgs) != 1 {
			t.Fatalf("messages %q", msgs)
		}
		checkRequest(t, msgs[0])
	})

	t.Run("header_stream", func(t *testing.T) {
		r := byCase["header_stream"]
		if r["error"] != nil {
			t.Fatalf("error %v", r["error"])
		}
		msgs := strs(r["messages"])
		if len(msgs) != 2 || msgs[1] != "done py" {
			t.Fatalf("messages %q, want the request description then \"done py\"", msgs)
		}
		checkRequest(t, msgs[0])
	})

	t.Run("fail_details", func(t *testing.T) {
		r := byCase["fail_details"]
		e, _ := r["error"].(map[string]any)
		if e == nil {
			t.Fatalf("no error: %v", r)
		}
		t.Logf("dubbo-python sees: %v", e)
		// grpc-message is percent-encoded on the wire; dubbo-python does
		// not decode it. grpc-status-details-bin is dropped.
		const wantDesc = "failed: caf%C3%A9 100%25"
		if e["code"] != float64(streamx.CodeFailedPrecondition) || e["code_name"] != "FAILED_PRECONDITION" || e["description"] != wantDesc {
			t.Errorf("error %v, want FAILED_PRECONDITION (9) %q", e, wantDesc)
		}
		if got, want := strs(e["status_fields"]), []string{"cause", "code", "description"}; !reflect.DeepEqual(got, want) {
			t.Errorf("status fields %q, want %q (no details)", got, want)
		}
	})
}
