package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	_ "github.com/dubbo-go-streamx/streamx/filter" // stream-timeout
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// The methods of the interceptor tests: each reply says what the handler
// got, so that a test sees every interceptor a message passed.
var (
	icEcho   = streamx.NewUnary[*pb.GreeterRequest, *pb.GreeterReply]("echo")
	icJoin   = streamx.NewClientStream[*pb.GreeterRequest, *pb.GreeterReply]("join")
	icRepeat = streamx.NewServerStream[*pb.GreeterRequest, *pb.GreeterReply]("repeat")
	icChat   = streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("chat")
	// icCareless ignores its write errors and returns nil.
	icCareless = streamx.NewServerStream[*pb.GreeterRequest, *pb.GreeterReply]("careless")
)

func icService(handled chan<- error) *streamx.Service {
	svc := streamx.NewService("streamx.test.Intercepted")
	icEcho.Handle(svc, func(_ context.Context, r *pb.GreeterRequest) (*pb.GreeterReply, error) {
		return &pb.GreeterReply{Message: "echo:" + r.Name}, nil
	})
	icJoin.Handle(svc, func(_ context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
		var names []string
		for r := range in.Messages() {
			names = append(names, r.Name)
		}
		handled <- in.Err()
		if in.Err() != nil {
			return nil, in.Err()
		}
		return &pb.GreeterReply{Message: strings.Join(names, ",")}, nil
	})
	icRepeat.Handle(svc, func(_ context.Context, r *pb.GreeterRequest, out *streamx.WriteStream[*pb.GreeterReply]) error {
		var err error
		for i := range 3 {
			if err = out.Write(&pb.GreeterReply{Message: r.Name + string(rune('0'+i))}); err != nil {
				break
			}
		}
		handled <- err
		return err
	})
	icCareless.Handle(svc, func(_ context.Context, r *pb.GreeterRequest, out *streamx.WriteStream[*pb.GreeterReply]) error {
		for i := range 3 {
			_ = out.Write(&pb.GreeterReply{Message: r.Name + string(rune('0'+i))})
		}
		return nil
	})
	icChat.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
		for r := range s.Messages() {
			if err := s.Write(&pb.GreeterReply{Message: "re:" + r.Name}); err != nil {
				handled <- err
				return err
			}
		}
		handled <- s.Err()
		return s.Err()
	})
	return svc
}

// tagConn appends "|<tag>s" to every message sent and "|<tag>r" to every
// message received, replacing the message with a new one.
type tagConn struct {
	streamx.Conn
	tag string
}

func retag(v any, suffix string) any {
	switch m := v.(type) {
	case *pb.GreeterRequest:
		return &pb.GreeterRequest{Name: m.Name + suffix}
	case *pb.GreeterReply:
		return &pb.GreeterReply{Message: m.Message + suffix}
	}
	return v
}

func (c tagConn) Send(msg any) error { return c.Conn.Send(retag(msg, "|"+c.tag+"s")) }

func (c tagConn) Receive() (any, error) {
	v, err := c.Conn.Receive()
	if err != nil {
		return v, err
	}
	return retag(v, "|"+c.tag+"r"), nil
}

// rejectConn ends the call when a request named "bad..." or a reply
// ending in "!1" passes.
type rejectConn struct{ streamx.Conn }

func bad(v any) bool {
	switch m := v.(type) {
	case *pb.GreeterRequest:
		return strings.HasPrefix(m.Name, "bad")
	case *pb.GreeterReply:
		return strings.HasSuffix(m.Message, "!1")
	}
	return false
}

func (c rejectConn) Send(msg any) error {
	if bad(msg) {
		return streamx.NewError(streamx.CodePermissionDenied, "rejected a reply")
	}
	return c.Conn.Send(msg)
}

func (c rejectConn) Receive() (any, error) {
	v, err := c.Conn.Receive()
	if err == nil && bad(v) {
		return nil, streamx.NewError(streamx.CodePermissionDenied, "rejected a request")
	}
	return v, err
}

func init() {
	for _, tag := range []string{"a", "b", "c", "d"} {
		streamx.RegisterInterceptor("ictest-"+tag, func(*common.URL) (streamx.Interceptor, error) {
			return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
				return ctx, tagConn{c, tag}, nil
			}), nil
		})
	}
	streamx.RegisterInterceptor("ictest-reject", func(*common.URL) (streamx.Interceptor, error) {
		return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
			return ctx, rejectConn{c}, nil
		}), nil
	})
	// Headers both ways: the consumer adds a request header; the provider
	// echoes it in a response header and a trailer.
	streamx.RegisterInterceptor("ictest-meta", func(*common.URL) (streamx.Interceptor, error) {
		return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
			info := c.Info()
			if info.Side == streamx.Consumer {
				c.RequestHeader().Set("x-ic-req", info.Kind)
				return ctx, c, nil
			}
			got := c.RequestHeader().Get("x-ic-req")
			if err := streamx.SetHeader(ctx, http.Header{"x-ic-header": {got}}); err != nil {
				return ctx, nil, err
			}
			if err := streamx.SetTrailer(ctx, http.Header{"x-ic-trailer": {info.Method + "/" + got}}); err != nil {
				return ctx, nil, err
			}
			return ctx, c, nil
		}), nil
	})
}

// enderConn reports how each call ended on ended.
type enderConn struct {
	streamx.Conn
	ended chan<- error
}

func (c enderConn) CallEnded(err error) { c.ended <- err }

var callsEnded = make(chan error, 16)

func init() {
	streamx.RegisterInterceptor("ictest-ender", func(*common.URL) (streamx.Interceptor, error) {
		return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
			return ctx, enderConn{c, callsEnded}, nil
		}), nil
	})
}

// CallEnded runs once per call with the status the consumer saw, also
// when an interceptor ended the call and the handler returned nil.
func TestCallEnded(t *testing.T) {
	noLeaks(t)
	conn, _ := icServe(t, "ictest-ender,ictest-reject", "ictest-ender")
	ctx := ctxT(t)
	rs, err := icCareless.Call(ctx, conn, &pb.GreeterRequest{Name: "!"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(rs)
	if !slices.Equal(messages(got), []string{"!0"}) || streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("got %q, %v; want !0, then PermissionDenied", messages(got), err)
	}
	// The consumer's before its read returned; the provider's before its
	// status left.
	for _, side := range []string{"provider", "consumer"} {
		select {
		case err := <-callsEnded:
			if streamx.CodeOf(err) != streamx.CodePermissionDenied {
				t.Errorf("a %s's CallEnded got %v, want PermissionDenied", side, err)
			}
		default:
			t.Fatalf("CallEnded had not run on both sides when the read returned")
		}
	}
	if _, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-callsEnded; err != nil {
			t.Errorf("unary CallEnded got %v, want nil", err)
		}
	}
	if len(callsEnded) != 0 {
		t.Errorf("%d more CallEnded calls", len(callsEnded))
	}
}

// icServe serves the test service with the provider's interceptors and
// dials it with the consumer's.
func icServe(t *testing.T, provider, consumer string) (*client.Connection, <-chan error) {
	t.Helper()
	conn, _, handled := icServe3(t, provider, consumer)
	return conn, handled
}

// icServe2 is icServe returning the server, to dial it again.
func icServe2(t *testing.T, provider, consumer string) (*client.Connection, *streamxtest.Server) {
	t.Helper()
	conn, s, _ := icServe3(t, provider, consumer)
	return conn, s
}

func icServe3(t *testing.T, provider, consumer string) (*client.Connection, *streamxtest.Server, <-chan error) {
	t.Helper()
	handled := make(chan error, 8)
	s, err := streamxtest.New(icService(handled), server.WithFilter(provider))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	conn, err := s.Dial(client.WithFilter(consumer))
	if err != nil {
		t.Fatal(err)
	}
	return conn, s, handled
}

func readAll[T any](rs *streamx.ReadStream[T]) ([]T, error) {
	var out []T
	for {
		m, err := rs.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

func messages(rs []*pb.GreeterReply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Message
	}
	return out
}

// Messages pass every interceptor, replaced by each, in order: a
// consumer's a then b on the way out, b then a on the way back; a
// provider's d then c on the way in, c then d on the way out.
func TestInterceptorsReplaceInOrder(t *testing.T) {
	noLeaks(t)
	conn, _ := icServe(t, "ictest-c,ictest-d", "ictest-a,ictest-b")
	ctx := ctxT(t)
	const in, out = "|as|bs|dr|cr", "|cs|ds|br|ar"

	t.Run("unary", func(t *testing.T) {
		r, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "echo:x" + in + out; r.Message != want {
			t.Fatalf("reply %q, want %q", r.Message, want)
		}
	})
	t.Run("client-stream", func(t *testing.T) {
		call, err := icJoin.Start(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"x", "y"} {
			if err := call.Write(&pb.GreeterRequest{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		r, err := call.Reply()
		if err != nil {
			t.Fatal(err)
		}
		if want := "x" + in + ",y" + in + out; r.Message != want {
			t.Fatalf("reply %q, want %q", r.Message, want)
		}
	})
	t.Run("server-stream", func(t *testing.T) {
		rs, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"x" + in + "0" + out, "x" + in + "1" + out, "x" + in + "2" + out}
		if !slices.Equal(messages(got), want) {
			t.Fatalf("replies %q, want %q", messages(got), want)
		}
	})
	t.Run("bidi-stream", func(t *testing.T) {
		s, err := icChat.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, n := range []string{"x", "y", "z"} {
			if err := s.Write(&pb.GreeterRequest{Name: n}); err != nil {
				t.Fatal(err)
			}
			want = append(want, "re:"+n+in+out)
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(s.ReadStream)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(messages(got), want) {
			t.Fatalf("replies %q, want %q", messages(got), want)
		}
	})
}

// A provider's interceptor rejects a message mid-stream: the consumer gets
// what came before it, then the interceptor's code, and nothing after; the
// handler's next read or write fails.
func TestInterceptorRejectsMidStream(t *testing.T) {
	noLeaks(t)
	conn, handled := icServe(t, "ictest-reject", "")
	ctx := ctxT(t)
	denied := func(t *testing.T, err error) {
		t.Helper()
		var se *streamx.Error
		if !errors.As(err, &se) || se.Code() != streamx.CodePermissionDenied {
			t.Fatalf("err = %v, want PermissionDenied", err)
		}
	}

	t.Run("unary", func(t *testing.T) {
		_, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "bad"})
		denied(t, err)
	})
	t.Run("client-stream", func(t *testing.T) {
		call, err := icJoin.Start(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"ok", "bad", "ok2"} {
			_ = call.Write(&pb.GreeterRequest{Name: n}) // may fail once the call is over
		}
		_, err = call.Reply()
		denied(t, err)
		denied(t, <-handled)
	})
	t.Run("server-stream", func(t *testing.T) {
		// The second reply ("!1") is rejected on its way out.
		rs, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "!"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if !slices.Equal(messages(got), []string{"!0"}) {
			t.Fatalf("got %q, want only the reply before the rejected one", messages(got))
		}
		denied(t, err)
		denied(t, <-handled)
	})
	t.Run("bidi-stream", func(t *testing.T) {
		s, err := icChat.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(&pb.GreeterRequest{Name: "ok"}); err != nil {
			t.Fatal(err)
		}
		r, err := s.Read()
		if err != nil || r.Message != "re:ok" {
			t.Fatalf("first reply %v, %v", r, err)
		}
		if err := s.Write(&pb.GreeterRequest{Name: "bad"}); err != nil {
			t.Fatal(err)
		}
		_ = s.Write(&pb.GreeterRequest{Name: "ok2"}) // may fail: the call is over
		got, err := readAll(s.ReadStream)
		if len(got) != 0 {
			t.Fatalf("got %q after the rejected request", messages(got))
		}
		denied(t, err)
		denied(t, <-handled)
	})
}

// A consumer's interceptor rejects its own request: the call fails with
// the interceptor's error before the provider runs the handler.
func TestConsumerInterceptorRejects(t *testing.T) {
	noLeaks(t)
	conn, _ := icServe(t, "", "ictest-reject")
	ctx := ctxT(t)
	if _, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "bad"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("unary: %v", err)
	}
	if _, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "bad"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("server stream: %v", err)
	}
	// Replies rejected on their way in: the unary call fails with the
	// interceptor's code; the stream ends after the reply before it.
	if _, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "!1"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("unary reply: %v", err)
	}
	rs, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "!"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(rs)
	if !slices.Equal(messages(got), []string{"!0"}) || streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("server stream: %q, %v; want !0, then PermissionDenied", messages(got), err)
	}
	s, err := icChat.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(&pb.GreeterRequest{Name: "bad"}); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("bidi write: %v", err)
	}
	if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("bidi read after the rejection: %v", err)
	}
}

// Interceptors add request headers (consumer), response headers and
// trailers (provider), in every call kind.
func TestInterceptorHeadersAndTrailers(t *testing.T) {
	noLeaks(t)
	conn, _ := icServe(t, "ictest-meta", "ictest-meta")
	ctx := ctxT(t)
	check := func(t *testing.T, kind, method string, h, tr http.Header) {
		t.Helper()
		if got := h.Get("x-ic-header"); got != kind {
			t.Errorf("response header %q, want %q", got, kind)
		}
		if got, want := tr.Get("x-ic-trailer"), method+"/"+kind; got != want {
			t.Errorf("trailer %q, want %q", got, want)
		}
	}
	t.Run("unary", func(t *testing.T) {
		var h, tr http.Header
		if _, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "x"}, streamx.ResponseHeader(&h), streamx.ResponseTrailer(&tr)); err != nil {
			t.Fatal(err)
		}
		check(t, "unary", "echo", h, tr)
	})
	t.Run("client-stream", func(t *testing.T) {
		call, err := icJoin.Start(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.Reply(); err != nil {
			t.Fatal(err)
		}
		check(t, "client-stream", "join", call.Header(), call.Trailer())
	})
	t.Run("server-stream", func(t *testing.T) {
		rs, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(rs); err != nil {
			t.Fatal(err)
		}
		check(t, "server-stream", "repeat", rs.Header(), rs.Trailer())
	})
	t.Run("bidi-stream", func(t *testing.T) {
		s, err := icChat.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		_ = s.DoneWriting()
		if _, err := readAll(s.ReadStream); err != nil {
			t.Fatal(err)
		}
		check(t, "bidi-stream", "chat", s.Header(), s.Trailer())
	})
}

func init() {
	// A consumer's interceptor adding headers: a binary value (raw bytes),
	// a name in canonical case, or a value HTTP/2 cannot carry.
	add := func(name string, h http.Header) {
		streamx.RegisterInterceptor(name, func(*common.URL) (streamx.Interceptor, error) {
			return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
				for k, vs := range h {
					c.RequestHeader()[k] = append(c.RequestHeader()[k], vs...)
				}
				return ctx, c, nil
			}), nil
		})
	}
	add("ictest-addheaders", http.Header{"x-raw-bin": {"\x00\x01"}, "X-Mixed": {"v"}})
	add("ictest-badheader", http.Header{"x-bad": {"a\nb"}})
	// The provider echoes them in trailers.
	streamx.RegisterInterceptor("ictest-echoheaders", func(*common.URL) (streamx.Interceptor, error) {
		return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
			h := c.RequestHeader()
			err := streamx.SetTrailer(ctx, http.Header{"x-raw-bin": h.Values("x-raw-bin"), "x-mixed": h.Values("x-mixed")})
			return ctx, c, err
		}), nil
	})
}

// Headers a consumer's interceptor adds follow WithRequestHeader's rules:
// binary values are encoded, names lower-cased, and a value HTTP/2 cannot
// carry fails the call with CodeInvalidArgument naming it.
func TestInterceptorAddsRequestHeaders(t *testing.T) {
	noLeaks(t)
	// Two interceptors: the first reads the headers in WrapConn while the
	// second is not wrapped yet.
	conn, srv := icServe2(t, "ictest-echoheaders", "ictest-addheaders,ictest-meta")
	ctx := ctxT(t)
	var tr http.Header
	if _, err := icEcho.Call(ctx, conn, &pb.GreeterRequest{Name: "x"}, streamx.ResponseTrailer(&tr)); err != nil {
		t.Fatal(err)
	}
	if got := tr.Get("x-raw-bin"); got != "\x00\x01" {
		t.Errorf("unary: binary header arrived as %q", got)
	}
	if got := tr.Get("x-mixed"); got != "v" {
		t.Errorf("unary: x-mixed arrived as %q", got)
	}
	rs, err := icRepeat.Call(ctx, conn, &pb.GreeterRequest{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(rs); err != nil {
		t.Fatal(err)
	}
	if got := rs.Trailer().Get("x-raw-bin"); got != "\x00\x01" {
		t.Errorf("stream: binary header arrived as %q", got)
	}

	bad, err := srv.Dial(client.WithFilter("ictest-badheader"))
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"unary": func() error { _, err := icEcho.Call(ctx, bad, &pb.GreeterRequest{Name: "x"}); return err },
		"stream": func() error {
			_, err := icRepeat.Call(ctx, bad, &pb.GreeterRequest{Name: "x"})
			return err
		},
	} {
		err := call()
		if streamx.CodeOf(err) != streamx.CodeInvalidArgument || !strings.Contains(err.Error(), "x-bad") {
			t.Errorf("%s: %v, want InvalidArgument naming x-bad", name, err)
		}
	}
}

var wraps atomic.Int32

func init() {
	streamx.RegisterInterceptor("ictest-count", func(*common.URL) (streamx.Interceptor, error) {
		return streamx.InterceptorFunc(func(ctx context.Context, c streamx.Conn) (context.Context, streamx.Conn, error) {
			wraps.Add(1)
			return ctx, c, nil
		}), nil
	})
}

// Each attempt of a unary call that dubbo-go's cluster retries runs the
// interceptors once: an attempt's do not pile up on the next's.
// So they do with a stream filter in the list, whose chain the first
// attempt seals.
func TestInterceptorsPerAttempt(t *testing.T) {
	url := fmt.Sprintf("tri://127.0.0.1:%d", testenv.FreePort(t)) // nothing listens
	for _, filters := range []string{"ictest-count", "ictest-count,stream-timeout"} {
		conn := testenv.Dial(t, "streamx.test.Intercepted", url, client.WithFilter(filters), client.WithRetries(2))
		wraps.Store(0)
		if _, err := icEcho.Call(ctxT(t), conn, &pb.GreeterRequest{Name: "x"}); streamx.CodeOf(err) != streamx.CodeUnavailable {
			t.Fatalf("%s: call to nothing: %v", filters, err)
		}
		if n := wraps.Load(); n != 3 {
			t.Errorf("%s: WrapConn ran %d times for 3 attempts", filters, n)
		}
	}
}
