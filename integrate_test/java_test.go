package integrate_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// The Apache Dubbo for Java peer (integrate_test/java, Dubbo 3.3.5 with
// stubs from samples/proto/greeter.proto) against streamx, both ways, on
// loopback: the Java process runs in a network namespace whose only
// interface is its own loopback (Dubbo binds 0.0.0.0 whatever 127.x host
// it is given), reached through Unix-socket relays (testenv.Java).
//
// Both providers answer by the request's name: "bad" fails with
// INVALID_ARGUMENT (on streams after the messages before it), "sleep"
// waits for the caller's cancel, "meta" echoes the x-token header, "big"
// and 1 MiB names give 1 MiB messages.

const mib = 1 << 20

// javaProvider starts the Java provider and dials it with failover
// retries 2, so that a re-run of an answered call would show.
func javaProvider(t *testing.T) (*testenv.Proc, *client.Connection) {
	t.Helper()
	p, addr := testenv.JavaEnv(t).StartProvider(t, "")
	conn := testenv.Dial(t, greeter.ServiceName, "tri://"+addr,
		client.WithClusterFailOver(), client.WithRetries(2), client.WithRequestTimeout(20*time.Second))
	return p, conn
}

// wantCode fails t unless err is a streamx error with code and message.
func wantStatus(t *testing.T, what string, err error, code streamx.Code, msg string) {
	t.Helper()
	var se *streamx.Error
	if !errors.As(err, &se) || se.Code() != code || se.Message() != msg {
		t.Errorf("%s: error %v, want %v %q", what, err, code, msg)
	}
}

// javaEvents returns the provider's event lines of kind for method.
func javaEvents(t *testing.T, p *testenv.Proc, kind, method string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range testenv.JSONLines(t, p, "event") {
		if e["event"] == kind && e["method"] == method {
			out = append(out, e)
		}
	}
	return out
}

// TestJavaProvider runs the Go consumer's cases against one Java provider.
func TestJavaProvider(t *testing.T) {
	checkLeaks(t)
	p, conn := javaProvider(t)
	for _, c := range []struct {
		name string
		run  func(*testing.T, *testenv.Proc, *client.Connection)
	}{
		{"call kinds", javaProviderCallKinds},
		{"errors", javaProviderErrors},
		{"deadline", javaProviderDeadline},
		{"cancel", javaProviderCancel},
		{"metadata", javaProviderMetadata},
		{"large messages", javaProviderLargeMessages},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, p, conn) })
	}
}

// nextEvent waits up to 15 s for the provider's event of kind for method
// after the first n, and returns it.
func nextEvent(t *testing.T, p *testenv.Proc, kind, method string, n int) map[string]any {
	t.Helper()
	testenv.Eventually(t, 15*time.Second, fmt.Sprintf("the Java %s handler's %s event", method, kind), func() bool {
		return len(javaEvents(t, p, kind, method)) > n
	})
	return javaEvents(t, p, kind, method)[n]
}

// The four call kinds.
func javaProviderCallKinds(t *testing.T, _ *testenv.Proc, conn *client.Connection) {
	ctx := ctxFor(t, 30*time.Second)

	r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("go"))
	if err != nil || r.Message != "Hello, go" {
		t.Fatalf("unary: %v %v", r, err)
	}
	cs, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(cs)
	if err != nil {
		t.Fatalf("client stream: %v", err)
	}
	wantStrings(t, "client stream", got, []string{"a b c"})
	ss, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = readAll(ss)
	if err != nil {
		t.Fatalf("server stream: %v", err)
	}
	wantStrings(t, "server stream", got, []string{"go 0", "go 1", "go 2"})
	bs, err := greeter.BiStream.OpenWith(ctx, conn, greeter.Names("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = readAll(bs)
	if err != nil {
		t.Fatalf("bidi: %v", err)
	}
	wantStrings(t, "bidi", got, []string{"Hello, a", "Hello, b"})
}

// A Java handler's error reaches Go with its code and message, in unary
// calls (Java answers :status 500 + grpc-status) and after N messages of
// a stream; the answered unary call is not run again by failover.
func javaProviderErrors(t *testing.T, p *testenv.Proc, conn *client.Connection) {
	ctx := ctxFor(t, 30*time.Second)

	calls := len(javaEvents(t, p, "call", "sayHello"))
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req("bad"))
	wantStatus(t, "unary", err, streamx.CodeInvalidArgument, "INVALID_ARGUMENT : bad name")
	nextEvent(t, p, "call", "sayHello", calls)
	if n := len(javaEvents(t, p, "call", "sayHello")) - calls; n != 1 {
		t.Errorf("the Java handler ran %d times for one call with retries 2, want once", n)
	}

	cs, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("a", "b", "bad", "c"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(cs)
	wantStrings(t, "client stream", got, nil)
	wantStatus(t, "client stream", err, streamx.CodeInvalidArgument, "INVALID_ARGUMENT : bad name after 2")

	ss, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("bad"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = readAll(ss)
	wantStrings(t, "server stream", got, []string{"bad 0", "bad 1"})
	wantStatus(t, "server stream", err, streamx.CodeInvalidArgument, "INVALID_ARGUMENT : bad name after 2")

	bs, err := greeter.BiStream.OpenWith(ctx, conn, greeter.Names("a", "bad", "c"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = readAll(bs)
	wantStrings(t, "bidi", got, []string{"Hello, a"})
	wantStatus(t, "bidi", err, streamx.CodeInvalidArgument, "INVALID_ARGUMENT : bad name after 1")

	// Java sends a non-ASCII message as raw bytes, not percent-encoded.
	_, err = greeter.SayHello.Call(ctx, conn, greeter.Req("accent"))
	wantStatus(t, "unary, non-ASCII message", err, streamx.CodeInvalidArgument, "INVALID_ARGUMENT : mauvais prénom")
}

// A Go caller's deadline ends the call at the deadline and reaches the
// Java handler as a cancel, in unary calls and streams.
func javaProviderDeadline(t *testing.T, p *testenv.Proc, conn *client.Connection) {
	const deadline = time.Second
	before := map[string]int{}
	for _, method := range []string{"sayHello", "serverStream"} {
		before[method] = len(javaEvents(t, p, "cancel", method))
	}

	start := time.Now()
	_, err := greeter.SayHello.Call(ctxFor(t, deadline), conn, greeter.Req("sleep"))
	took := time.Since(start)
	if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded || took > deadline+time.Second {
		t.Errorf("unary: %v after %v, want deadline_exceeded at %v", err, took, deadline)
	}

	ss, err := greeter.ServerStream.Call(ctxFor(t, deadline), conn, greeter.Req("sleep"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(ss)
	wantStrings(t, "server stream", got, []string{"sleep 0"})
	if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
		t.Errorf("server stream: %v, want deadline_exceeded", err)
	}

	for _, method := range []string{"sayHello", "serverStream"} {
		e := nextEvent(t, p, "cancel", method, before[method])
		after, _ := e["after_ms"].(float64)
		// stale: the context was cancelled before the call (Java reuses a
		// thread's CancellationContext); that would not be this cancel.
		if e["cancelled"] != true || e["stale"] != false || time.Duration(after)*time.Millisecond > deadline+500*time.Millisecond {
			t.Errorf("%s: the Java handler saw %v, want its cancel within the deadline", method, e)
		}
	}
}

// A Go caller's cancel of a stream reaches the Java handler at once.
func javaProviderCancel(t *testing.T, p *testenv.Proc, conn *client.Connection) {
	before := len(javaEvents(t, p, "cancel", "serverStream"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ss, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("sleep"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ss.Read()
	if err != nil || m.Message != "sleep 0" {
		t.Fatalf("first reply: %v %v", m, err)
	}
	cancel()
	if _, err := ss.Read(); streamx.CodeOf(err) != streamx.CodeCanceled {
		t.Errorf("after cancel: %v, want canceled", err)
	}
	e := nextEvent(t, p, "cancel", "serverStream", before)
	if after, _ := e["after_ms"].(float64); e["cancelled"] != true || after > 1000 {
		t.Errorf("the Java handler saw %v, want the cancel within a second", e)
	}
}

// Request headers reach a Java handler as attachments; what it sets on
// its response context comes back.
func javaProviderMetadata(t *testing.T, _ *testenv.Proc, conn *client.Connection) {
	var header, trailer http.Header
	r, err := greeter.SayHello.Call(ctxFor(t, 30*time.Second), conn, greeter.Req("meta"),
		streamx.WithRequestHeader(http.Header{"x-token": {"abc"}}),
		streamx.ResponseHeader(&header), streamx.ResponseTrailer(&trailer))
	if err != nil || r.Message != "x-token=abc" {
		t.Fatalf("unary: %v %v, want x-token=abc", r, err)
	}
	if got := trailer.Get("x-reply"); got != "from-java" {
		t.Errorf("the Java response attachment x-reply: trailer %q (headers %v), want from-java", got, header)
	}

	ss, err := greeter.ServerStream.Call(ctxFor(t, 30*time.Second), conn, greeter.Req("meta"),
		streamx.WithRequestHeader(http.Header{"x-token": {"abc"}}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(ss)
	if err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "server stream", got, []string{"x-token=abc"})
	if got := ss.Trailer().Get("x-reply"); got != "from-java" {
		t.Errorf("the Java stream's response attachment x-reply: trailer %q, want from-java", got)
	}
}

// 1 MiB messages cross both ways.
func javaProviderLargeMessages(t *testing.T, _ *testenv.Proc, conn *client.Connection) {
	ctx := ctxFor(t, 30*time.Second)
	r, err := greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("n", mib)))
	if err != nil || r.Message != fmt.Sprintf("len=%d", mib) {
		t.Fatalf("1 MiB request: %v", err)
	}
	r, err = greeter.SayHello.Call(ctx, conn, greeter.Req("big"))
	if err != nil || r.Message != strings.Repeat("x", mib) {
		t.Fatalf("1 MiB reply: %v", err)
	}
	ss, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("big"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(ss)
	if err != nil || len(got) != 3 {
		t.Fatalf("server stream of 1 MiB messages: %d messages, %v", len(got), err)
	}
	for i, m := range got {
		if m != strings.Repeat(fmt.Sprint(i), mib) {
			t.Errorf("message %d: %d bytes starting %q", i, len(m), m[:1])
		}
	}
}

// goPeerHandler is the Go provider the Java consumer calls; it answers by
// name as the Java provider does, and reports the cancels it saw on seen.
type goPeerHandler struct {
	greeterstreamx.UnimplementedGreeterHandler
	seen chan goCancel
}

// goCancel is what a "sleep" handler saw: whether its call had a deadline
// and how long after the handler started the call ended (0: not in 10 s).
type goCancel struct {
	method   string
	deadline bool
	after    time.Duration
}

// cancelOf returns what the "sleep" handler of method saw, waiting up to
// 15 s for it; reports of other methods read meanwhile are kept in seen.
func (h goPeerHandler) cancelOf(t *testing.T, seen map[string]goCancel, method string) goCancel {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		if c, ok := seen[method]; ok {
			return c
		}
		select {
		case c := <-h.seen:
			seen[c.method] = c
		case <-timeout:
			t.Fatalf("the Go %s handler reported nothing", method)
		}
	}
}

// awaitCancel waits for ctx's end (at most 10 s) and reports it.
func (h goPeerHandler) awaitCancel(ctx context.Context, method string) {
	start := time.Now()
	_, hasDeadline := ctx.Deadline()
	c := goCancel{method: method, deadline: hasDeadline}
	select {
	case <-ctx.Done():
		c.after = time.Since(start)
	case <-time.After(10 * time.Second):
	}
	h.seen <- c
}

func (h goPeerHandler) SayHello(ctx context.Context, r *pb.GreeterRequest) (*pb.GreeterReply, error) {
	switch r.Name {
	case "bad":
		return nil, streamx.NewError(streamx.CodeInvalidArgument, "bad name")
	case "accent":
		return nil, streamx.NewError(streamx.CodeInvalidArgument, "mauvais prénom")
	case "sleep":
		h.awaitCancel(ctx, "sayHello")
		return nil, ctx.Err()
	case "meta":
		if err := streamx.SetHeader(ctx, http.Header{"x-head": {"from-go"}}); err != nil {
			return nil, err
		}
		if err := streamx.SetTrailer(ctx, http.Header{"x-reply": {"from-go"}}); err != nil {
			return nil, err
		}
		return &pb.GreeterReply{Message: "x-token=" + streamx.RequestHeader(ctx).Get("x-token")}, nil
	}
	return &pb.GreeterReply{Message: "Hello, " + r.Name}, nil
}

func (h goPeerHandler) ClientStream(_ context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
	var names []string
	for m := range in.Messages() {
		if m.Name == "bad" {
			return nil, streamx.Errorf(streamx.CodeInvalidArgument, "bad name after %d", len(names))
		}
		names = append(names, m.Name)
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	return &pb.GreeterReply{Message: strings.Join(names, " ")}, nil
}

func (h goPeerHandler) ServerStream(ctx context.Context, r *pb.GreeterRequest) iter.Seq2[*pb.GreeterReply, error] {
	return func(yield func(*pb.GreeterReply, error) bool) {
		switch r.Name {
		case "bad":
			if yield(&pb.GreeterReply{Message: "bad 0"}, nil) && yield(&pb.GreeterReply{Message: "bad 1"}, nil) {
				yield(nil, streamx.NewError(streamx.CodeInvalidArgument, "bad name after 2"))
			}
		case "big":
			for i := range 3 {
				if !yield(&pb.GreeterReply{Message: strings.Repeat(fmt.Sprint(i), mib)}, nil) {
					return
				}
			}
		case "meta":
			if streamx.SetHeader(ctx, http.Header{"x-head": {"from-go"}}) != nil ||
				streamx.SetTrailer(ctx, http.Header{"x-reply": {"from-go"}}) != nil {
				yield(nil, streamx.NewError(streamx.CodeInternal, "cannot set metadata"))
				return
			}
			yield(&pb.GreeterReply{Message: "x-token=" + streamx.RequestHeader(ctx).Get("x-token")}, nil)
		case "sleep":
			if yield(&pb.GreeterReply{Message: "sleep 0"}, nil) {
				h.awaitCancel(ctx, "serverStream")
				yield(nil, ctx.Err())
			}
		default:
			for i := range 3 {
				if !yield(&pb.GreeterReply{Message: fmt.Sprintf("%s %d", r.Name, i)}, nil) {
					return
				}
			}
		}
	}
}

func (h goPeerHandler) BiStream(ctx context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
	n := 0
	for m := range s.Messages() {
		if m.Name == "bad" {
			return streamx.Errorf(streamx.CodeInvalidArgument, "bad name after %d", n)
		}
		if m.Name == "sleep" {
			if err := s.Write(&pb.GreeterReply{Message: "sleep 0"}); err != nil {
				return err
			}
			h.awaitCancel(ctx, "biStream")
			return ctx.Err()
		}
		n++
		if err := s.Write(&pb.GreeterReply{Message: "Hello, " + m.Name}); err != nil {
			return err
		}
	}
	return s.Err()
}

// javaResult is one result line of the Java consumer.
type javaResult struct {
	messages []string
	code     int    // 0: no error
	message  string // the error's message
	attach   map[string]any
	noEnd    bool
	raw      map[string]any
}

func parseJavaResult(m map[string]any) javaResult {
	r := javaResult{raw: m}
	if ms, ok := m["messages"].([]any); ok {
		for _, s := range ms {
			r.messages = append(r.messages, fmt.Sprint(s))
		}
	}
	if e, ok := m["error"].(map[string]any); ok {
		c, _ := e["code"].(float64)
		r.code = int(c)
		r.message, _ = e["message"].(string)
	}
	r.attach, _ = m["attachments"].(map[string]any)
	r.noEnd, _ = m["no_end"].(bool)
	return r
}

// The Java consumer calls a Go provider: every call kind, errors with
// their code and message (unary, and after N stream messages), request
// and response metadata, 1 MiB messages, and deadlines.
func TestJavaConsumer(t *testing.T) {
	checkLeaks(t)
	java := testenv.JavaEnv(t)
	h := goPeerHandler{seen: make(chan goCancel, 16)}
	url := testenv.Serve(t, greeterstreamx.NewGreeterService(h))
	cases := []string{
		"unary", "client_stream", "server_stream", "bidi",
		"unary_bad", "client_stream_bad", "server_stream_bad", "bidi_bad", "unary_accent",
		"unary_meta", "server_stream_meta", "unary_big", "server_stream_big", "bidi_big",
		"unary_deadline", "server_stream_deadline", "bidi_cancel",
	}
	results := java.RunConsumer(t, strings.TrimPrefix(url, "tri://"), "", cases...)
	got := map[string]javaResult{}
	for i, m := range results {
		if m["case"] != cases[i] {
			t.Fatalf("result %d is for %v, want %s", i, m["case"], cases[i])
		}
		got[cases[i]] = parseJavaResult(m)
	}
	ok := func(name string, want ...string) {
		t.Helper()
		r := got[name]
		if r.code != 0 || r.noEnd {
			t.Errorf("%s: %v", name, r.raw)
		}
		wantStrings(t, name, r.messages, want)
	}
	ok("unary", "Hello, java")
	ok("client_stream", "a b c")
	ok("server_stream", "java 0", "java 1", "java 2")
	ok("bidi", "Hello, a", "Hello, b")

	failed := func(name string, code streamx.Code, msg string, before ...string) {
		t.Helper()
		r := got[name]
		if r.code != int(code) || r.message != msg {
			t.Errorf("%s: %v, want code %d %q", name, r.raw, code, msg)
		}
		wantStrings(t, name, r.messages, before)
	}
	failed("unary_bad", streamx.CodeInvalidArgument, "bad name")
	failed("client_stream_bad", streamx.CodeInvalidArgument, "bad name after 2")
	failed("server_stream_bad", streamx.CodeInvalidArgument, "bad name after 2", "bad 0", "bad 1")
	failed("bidi_bad", streamx.CodeInvalidArgument, "bad name after 1", "Hello, a")
	failed("unary_accent", streamx.CodeInvalidArgument, "mauvais prénom")

	ok("unary_meta", "x-token=abc")
	if v := got["unary_meta"].attach["x-reply"]; v != "from-go" {
		t.Errorf("unary_meta: the Go trailer x-reply reached Java as %v, want from-go (%v)", v, got["unary_meta"].raw)
	}
	// Java keeps unary trailers as response attachments but drops unary
	// response headers, and a stream call's headers and trailers.
	if v, found := got["unary_meta"].attach["x-head"]; found {
		t.Errorf("unary_meta: the Go response header x-head reached Java as %v; Java dropped it so far: update README", v)
	}
	ok("server_stream_meta", "x-token=abc")
	if a := got["server_stream_meta"].attach; len(a) != 0 {
		t.Errorf("server_stream_meta: Java now sees the stream's metadata %v; it dropped it so far: update README", a)
	}
	ok("unary_big", "Hello, <1 MiB>")
	ok("server_stream_big", "0<1048576>", "1<1048576>", "2<1048576>")
	ok("bidi_big", "H<1048583>", "H<1048583>")

	// Java sends grpc-timeout on unary calls: the Go handler sees the
	// deadline and its cancel; the Java caller gets DEADLINE_EXCEEDED from
	// one of its own two timers: with no message, or, when its scan timer
	// fires first (a loaded machine), "Waiting server-side response
	// timeout by scan timer...".
	if r := got["unary_deadline"]; r.code != int(streamx.CodeDeadlineExceeded) ||
		(r.message != "" && !strings.HasPrefix(r.message, "Waiting server-side response timeout")) {
		t.Errorf("unary_deadline: %v, want code 4 from Java's own timer", r.raw)
	}
	seen := map[string]goCancel{}
	c := h.cancelOf(t, seen, "sayHello")
	if !c.deadline || c.after == 0 || c.after > 1500*time.Millisecond {
		t.Errorf("unary_deadline: the Go handler saw %+v, want a 500 ms deadline and its end", c)
	}
	// Java sends no grpc-timeout on streams and does not end a stream call
	// at its timeout: its observer gets nothing more (no_end: it waited
	// Consumer.STREAM_WAIT_MS), and the Go handler sees no deadline; its
	// call ends only when the Java process closes the connection.
	r := got["server_stream_deadline"]
	if r.code != 0 || !r.noEnd {
		t.Errorf("server_stream_deadline: %v, want no end within the wait (Java's behaviour today)", r.raw)
	}
	wantStrings(t, "server_stream_deadline", r.messages, []string{"sleep 0"})
	c = h.cancelOf(t, seen, "serverStream")
	if c.deadline || c.after == 0 {
		t.Errorf("server_stream_deadline: the Go handler saw %+v, want no deadline and a cancel when Java left", c)
	}

	// A Java caller's cancel of a stream reaches the Go handler at once;
	// Java never tells its own observer (no onError: no_end).
	r = got["bidi_cancel"]
	if r.code != 0 || !r.noEnd {
		t.Errorf("bidi_cancel: %v, want no end delivered to the Java observer (Java's behaviour today)", r.raw)
	}
	wantStrings(t, "bidi_cancel", r.messages, []string{"sleep 0"})
	c = h.cancelOf(t, seen, "biStream")
	if c.after == 0 || c.after > 2*time.Second {
		t.Errorf("bidi_cancel: the Go handler saw %+v, want the cancel at once", c)
	}
}

// Zookeeper discovery at interface level: a Go consumer configured by YAML
// finds the Java provider and calls it in all four kinds.
func TestJavaDiscoveryZKGoConsumer(t *testing.T) {
	java := testenv.JavaEnv(t) // skips in the parent, not in a child
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	_, addr := java.StartProvider(t, zkSrv.Addr)
	_, port, _ := net.SplitHostPort(addr)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 30*time.Second, "the Java provider's node", func() bool {
		p, _ := strconv.Atoi(port)
		return zkHasPort(zc, p)
	})
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 60*time.Second)
	if err := greeter.WaitReady(ctx, conn, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	discAllKinds(t, ctx, conn)
}

// Zookeeper discovery the other way: the Java consumer finds a Go
// provider registered (from YAML) at interface level.
func TestJavaDiscoveryZKJavaConsumer(t *testing.T) {
	checkLeaks(t)
	java := testenv.JavaEnv(t)
	zkSrv := testenv.StartZookeeper(t)
	port := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Go provider's node", func() bool { return zkHasPort(zc, port) })

	cases := []string{"wait_ready", "unary", "client_stream", "server_stream", "bidi"}
	want := [][]string{{"Hello, ready"}, {"Hello, java"}, {"a b c"}, {"java 0", "java 1", "java 2"}, {"Hello, a", "Hello, b"}}
	for i, m := range java.RunConsumer(t, testenv.Addr(port), zkSrv.Addr, cases...) {
		r := parseJavaResult(m)
		if r.code != 0 || r.noEnd {
			t.Errorf("%s: %v", cases[i], r.raw)
		}
		wantStrings(t, cases[i], r.messages, want[i])
	}
}

// zkAppConsumerYAML is a consumer using application-level discovery.
const zkAppConsumerYAML = `
dubbo:
  application:
    name: disc-consumer
  logger:
    level: warn
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK}
      registry-type: service
      timeout: 5s
  consumer:
    check: false
    references:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
        protocol: tri
        serialization: protobuf
        provided-by: streamx-java-provider
`

// Zookeeper discovery at application level: a Go consumer finds the Java
// provider's instance and reads its metadata service.
func TestJavaDiscoveryZKAppGoConsumer(t *testing.T) {
	java := testenv.JavaEnv(t)
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	java.StartProvider(t, zkSrv.Addr)
	conn := discConsumer(t, zkAppConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 60*time.Second)
	if err := greeter.WaitReady(ctx, conn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	discAllKinds(t, ctx, conn)
}

// zkAppProviderYAML is a provider registered at application level only,
// its metadata service on the Greeter's port.
const zkAppProviderYAML = `
dubbo:
  application:
    name: disc-app-provider
    metadata-service-protocol: tri
    metadata-service-port: ${PORT}
  logger:
    level: warn
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK}
      registry-type: service
      timeout: 5s
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: ${PORT}
  provider:
    services:
      greeter:
        interface: org.apache.dubbo.samples.data.Greeter
`

// Application-level discovery the other way: the Java consumer, limited
// to application-level discovery, finds a Go provider registered so.
func TestJavaDiscoveryZKAppJavaConsumer(t *testing.T) {
	checkLeaks(t)
	java := testenv.JavaEnv(t)
	zkSrv := testenv.StartZookeeper(t)
	port := testenv.FreePort(t)
	discStartProvider(t, zkAppProviderYAML, zkVars(zkSrv.Addr, port), port)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Go provider's instance node", func() bool {
		kids, _, err := zc.Children("/services/disc-app-provider")
		return err == nil && len(kids) > 0
	})
	if ps := zkProviders(zc); len(ps) != 0 {
		t.Fatalf("the Go provider registered at interface level too: %q", ps)
	}

	cases := []string{"wait_ready", "unary", "client_stream", "server_stream", "bidi"}
	want := [][]string{{"Hello, ready"}, {"Hello, java"}, {"a b c"}, {"java 0", "java 1", "java 2"}, {"Hello, a", "Hello, b"}}
	for i, m := range java.RunAppConsumer(t, testenv.Addr(port), zkSrv.Addr, "disc-app-provider", cases...) {
		r := parseJavaResult(m)
		if r.code != 0 || r.noEnd {
			t.Errorf("%s: %v", cases[i], r.raw)
		}
		wantStrings(t, cases[i], r.messages, want[i])
	}
}
