package integrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// checkLeaks fails t if goroutines started during the test are still
// running once every cleanup registered after it (the Python processes, the
// exported services) has run. dubbo-go starts process-wide goroutines on
// first use and never stops them: graceful_shutdown.Init's signal handler
// (started by the first client.NewClient or server.NewServer) and the
// singleton accesslog filter's log loop (started when a provider's filter
// chain is first built). warmDubbo starts them before IgnoreCurrent takes
// its snapshot, so no other ignore is needed.
func checkLeaks(t *testing.T) {
	t.Helper()
	warmDubbo(t)
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

var warmOnce sync.Once

func warmDubbo(t *testing.T) {
	warmOnce.Do(func() {
		if _, err := client.NewClient(); err != nil {
			t.Fatal(err)
		}
		if _, err := server.NewServer(); err != nil {
			t.Fatal(err)
		}
		extension.GetFilter(constant.AccessLogFilterKey)
	})
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// readAll reads a stream of greeter replies to its end and returns the
// messages and the error that ended it (nil for io.EOF).
func readAll(rs *streamx.ReadStream[greeter.Reply]) ([]string, error) {
	var got []string
	for {
		m, err := rs.Read()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, m.Message)
	}
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// pythonProvider starts greeter_server.py and dials it once. dubbo-python
// 3.0.0b1 hangs calls on a connection once a second connection reaches the
// same server, so every test gets its own server and one Go connection to
// it, and nothing else dials that server.
func pythonProvider(t *testing.T) *client.Connection {
	t.Helper()
	py := testenv.PythonEnv(t)
	_, port := py.StartServer(t)
	return testenv.Dial(t, greeter.ServiceName, "tri://"+testenv.Addr(port), filter.WithReferenceFilters(withFilters(t)...))
}

// withFilters returns the built-in stream filters, set loosely enough to
// pass every interop case, so the interop tests run with filters on; when
// the test ends it checks that the access log saw streams end.
func withFilters(t *testing.T) []filter.StreamFilter {
	var mu sync.Mutex
	lines := 0
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if lines == 0 && !t.Failed() {
			t.Error("the access log filter saw no stream")
		}
	})
	metrics, err := filter.MetricsWith(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return []filter.StreamFilter{
		filter.AccessLogTo(func(string, ...any) { mu.Lock(); lines++; mu.Unlock() }),
		metrics,
		filter.Timeout(time.Minute, 0),
		filter.Limit(1e6, 8<<20),
	}
}

// TestGoConsumerPythonProvider calls every kind of method of a dubbo-python
// provider from a Go consumer, over one connection.
func TestGoConsumerPythonProvider(t *testing.T) {
	checkLeaks(t)
	conn := pythonProvider(t)

	t.Run("unary", func(t *testing.T) {
		r, err := greeter.SayHello.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("world"))
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "sayHello", []string{r.Message}, []string{"Hello, world"})
	})

	t.Run("client_stream_iter", func(t *testing.T) {
		rs, err := greeter.ClientStream.OpenWith(ctxFor(t, 10*time.Second), conn, greeter.Names("a", "b", "c"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "clientStream (iterator)", got, []string{"a b c"})
	})

	t.Run("client_stream_write", func(t *testing.T) {
		s, err := greeter.ClientStream.Open(ctxFor(t, 10*time.Second), conn)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"a", "b", "c"} {
			if err := s.Write(greeter.Req(n)); err != nil {
				t.Fatalf("write %s: %v", n, err)
			}
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(s.ReadStream)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "clientStream (write)", got, []string{"a b c"})
	})

	t.Run("server_stream", func(t *testing.T) {
		rs, err := greeter.ServerStream.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("go"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "serverStream", got, []string{"go 0", "go 1", "go 2"})
	})

	t.Run("bidi", func(t *testing.T) {
		s, err := greeter.BiStream.Open(ctxFor(t, 10*time.Second), conn)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range []string{"x", "y"} {
			if err := s.Write(greeter.Req(n)); err != nil {
				t.Fatalf("write %s: %v", n, err)
			}
			m, err := s.Read()
			if err != nil {
				t.Fatalf("read after %s: %v", n, err)
			}
			got = append(got, m.Message)
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		rest, err := readAll(s.ReadStream)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "biStream", append(got, rest...), []string{"Hello, x", "Hello, y"})
	})

	t.Run("timed_read", func(t *testing.T) {
		rs, err := greeter.SlowServerStream.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("2:600"))
		if err != nil {
			t.Fatal(err)
		}
		var seq []string // "TIMEOUT", the messages, "EOF"
		for {
			m, err := rs.ReadTimeout(100 * time.Millisecond)
			if errors.Is(err, streamx.ErrReadTimeout) {
				seq = append(seq, "TIMEOUT")
				continue
			}
			if errors.Is(err, io.EOF) {
				seq = append(seq, "EOF")
				break
			}
			if err != nil {
				t.Fatalf("after %q: %v", seq, err)
			}
			seq = append(seq, m.Message)
		}
		checkTimedRead(t, seq)
	})

	t.Run("fail_unary", func(t *testing.T) {
		_, err := testgreeter.FailUnary.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("x"))
		var se *streamx.Error
		if !errors.As(err, &se) {
			t.Fatalf("want an *Error, got %T %v", err, err)
		}
		t.Logf("dubbo-python's failUnary reports: code %v, message %q", se.Code(), se.Message())
		// A Python handler's exception becomes INTERNAL, its text prefixed
		// with "Invoke method failed: ".
		if se.Code() != streamx.CodeInternal || !strings.Contains(se.Message(), "Invoke method failed: boom: x") {
			t.Fatalf("got code %v message %q, want Internal with \"Invoke method failed: boom: x\"", se.Code(), se.Message())
		}
	})

	t.Run("fail_stream", func(t *testing.T) {
		rs, err := testgreeter.FailStream.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("x"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		t.Logf("dubbo-python's failStream: replies %q, then %v", got, err)
		wantStrings(t, "failStream replies", got, []string{"before boom"})
		var se *streamx.Error
		if !errors.As(err, &se) || se.Code() != streamx.CodeInternal || !strings.Contains(se.Message(), "boom: x") {
			t.Fatalf("failStream ended with %v, want an Internal *Error with \"boom: x\"", err)
		}
	})

	t.Run("json_unary", func(t *testing.T) {
		r, err := testgreeter.SayHelloJSON.Call(ctxFor(t, 10*time.Second), conn, testgreeter.JSONRequest{Name: "json"})
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "sayHelloJson", []string{r.Message}, []string{"Hello, json"})
	})

	t.Run("json_bidi", func(t *testing.T) {
		s, err := testgreeter.BiStreamJSON.Open(ctxFor(t, 10*time.Second), conn)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range []string{"j1", "j2"} {
			if err := s.Write(testgreeter.JSONRequest{Name: n}); err != nil {
				t.Fatal(err)
			}
			m, err := s.Read()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Message)
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		if m, err := s.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the replies: %v %v, want io.EOF", m, err)
		}
		wantStrings(t, "biStreamJson", got, []string{"Hello, j1", "Hello, j2"})
	})

	t.Run("volume", func(t *testing.T) {
		// dubbo-python queues received messages (at most 1,000) with no
		// flow control: keep at most 200 replies outstanding.
		volume(t, ctxFor(t, 60*time.Second), conn, 10000, 200)
	})

	t.Run("big", func(t *testing.T) {
		s, err := testgreeter.EchoSize.Open(ctxFor(t, 30*time.Second), conn)
		if err != nil {
			t.Fatal(err)
		}
		big := strings.Repeat("x", 1<<20)
		if err := s.Write(greeter.Req(big)); err != nil {
			t.Fatal(err)
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		m, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		if m.Message != big {
			t.Fatalf("echo of 1 MiB: got %d bytes", len(m.Message))
		}
		if _, err := s.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the echo: %v, want io.EOF", err)
		}
	})

	// The connection still works after everything above.
	t.Run("unary_again", func(t *testing.T) {
		r, err := greeter.SayHello.Call(ctxFor(t, 10*time.Second), conn, greeter.Req("again"))
		if err != nil || r.Message != "Hello, again" {
			t.Fatalf("got %v %v", r, err)
		}
	})
}

// checkTimedRead checks a ReadTimeout(100ms) sequence against
// slowServerStream "2:600": timeouts, "slow 0", timeouts, "slow 1", "EOF",
// with nothing lost or duplicated.
func checkTimedRead(t *testing.T, seq []string) {
	t.Helper()
	var msgs []string
	timeouts := map[string]int{} // timeouts just before each message
	run := 0
	for _, s := range seq {
		if s == "TIMEOUT" {
			run++
			continue
		}
		timeouts[s] = run
		run = 0
		msgs = append(msgs, s)
	}
	if want := []string{"slow 0", "slow 1", "EOF"}; !reflect.DeepEqual(msgs, want) {
		t.Fatalf("sequence %q: messages %q, want %q among timeouts", seq, msgs, want)
	}
	// 600 ms pauses read with 100 ms timeouts: about 5 timeouts before each
	// message; 3 leaves room for a slow machine.
	if timeouts["slow 0"] < 3 || timeouts["slow 1"] < 3 {
		t.Fatalf("sequence %q: want several timeouts before each message", seq)
	}
	t.Logf("timed reads: %q", seq)
}

// volume streams n messages each way on echoSize, the writer keeping at
// most window replies outstanding, and checks every reply in order.
func volume(t *testing.T, ctx context.Context, conn *client.Connection, n, window int) {
	t.Helper()
	s, err := testgreeter.EchoSize.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	werr := make(chan error, 1)
	go func() {
		for i := range n {
			select {
			case <-credits:
			case <-ctx.Done():
				werr <- ctx.Err()
				return
			}
			if err := s.Write(greeter.Req(fmt.Sprintf("m%d", i))); err != nil {
				werr <- fmt.Errorf("write m%d: %w", i, err)
				return
			}
		}
		werr <- s.DoneWriting()
	}()
	for i := range n {
		m, err := s.Read()
		if err != nil {
			t.Fatalf("read reply %d: %v", i, err)
		}
		if want := fmt.Sprintf("m%d", i); m.Message != want {
			t.Fatalf("reply %d is %q, want %q", i, m.Message, want)
		}
		credits <- struct{}{}
	}
	if m, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after %d replies: %v %v, want io.EOF", n, m, err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
}

// TestPythonConsumerGoProvider runs every case of greeter_client.py against
// the Go provider of the contract, in one Python process (one connection).
func TestPythonConsumerGoProvider(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	url := testenv.Serve(t, testgreeter.NewService(), filter.WithServiceFilters(withFilters(t)...))

	cases := []string{"unary", "client_stream_iter", "client_stream_write", "server_stream",
		"bidi", "bidi_iter", "timed_read", "fail_unary", "fail_stream", "json_unary", "json_bidi",
		"volume", "big", "unary"}
	args := []string{"--url", url}
	for _, c := range cases {
		args = append(args, "--case", c)
	}
	results := py.RunClient(t, args...)
	if len(results) != len(cases) {
		t.Fatalf("want %d results, got %d: %v", len(cases), len(results), results)
	}

	for i, name := range cases {
		r := results[i]
		if r["case"] != name {
			t.Fatalf("result %d is for %v, want %s", i, r["case"], name)
		}
		t.Run(fmt.Sprintf("%02d_%s", i, name), func(t *testing.T) {
			msgs := strs(r["messages"])
			if name != "fail_unary" && r["error"] != nil {
				t.Fatalf("unexpected error %v (messages %q)", r["error"], msgs)
			}
			switch name {
			case "unary":
				wantStrings(t, name, msgs, []string{"Hello, world"})
			case "client_stream_iter", "client_stream_write":
				// No phantom empty request from done_writing: "a b c", not "a b c ".
				wantStrings(t, name, msgs, []string{"a b c"})
			case "server_stream":
				wantStrings(t, name, msgs, []string{"py 0", "py 1", "py 2"})
			case "bidi":
				wantStrings(t, name, msgs, []string{"Hello, x", "Hello, y"})
			case "bidi_iter":
				// No extra "Hello, " for done_writing's empty message.
				wantStrings(t, name, msgs, []string{"Hello, x", "Hello, y", "Hello, z"})
			case "timed_read":
				checkTimedRead(t, msgs)
			case "fail_unary":
				e, _ := r["error"].(map[string]any)
				if e == nil {
					t.Fatalf("want an error, got %v", r)
				}
				t.Logf("dubbo-python reports the Go failUnary as %v", e)
				// The Go handler's code and message, as the Python client
				// reports them.
				if e["code"] != float64(9) || e["code_name"] != "FAILED_PRECONDITION" || e["description"] != "boom: x" {
					t.Fatalf("error %v, want code 9 FAILED_PRECONDITION with description \"boom: x\"", e)
				}
				wantStrings(t, name, msgs, nil)
			case "fail_stream":
				// The Go provider sends the reply, then FAILED_PRECONDITION
				// in the trailers; dubbo-python's reader never shows a
				// stream's error status: it sees EOF.
				wantStrings(t, name, msgs, []string{"before boom", "EOF"})
			case "json_unary":
				wantStrings(t, name, msgs, []string{"Hello, json"})
			case "json_bidi":
				wantStrings(t, name, msgs, []string{"Hello, j1", "Hello, j2"})
			case "volume":
				if r["count"] != float64(10000) || r["in_order"] != true || r["first"] != "m0" || r["last"] != "m9999" {
					t.Fatalf("volume result %v", r)
				}
			case "big":
				if r["count"] != float64(1) || r["length"] != float64(1<<20) {
					t.Fatalf("big result %v", r)
				}
			}
		})
	}
}

func reply(msg string) greeter.Reply { return &pb.GreeterReply{Message: msg} }

// strs turns a decoded JSON array of strings into []string.
func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// recorder is a Go provider of clientStream and biStream that records every
// request name its handlers see, and the content type they came with.
type recorder struct {
	mu    sync.Mutex
	calls [][]string
	types []string
}

func (rec *recorder) service() *streamx.Service {
	svc := streamx.NewService(greeter.ServiceName)
	greeter.ClientStream.Handle(svc, func(_ context.Context, in *streamx.ReadStream[greeter.Request]) (greeter.Reply, error) {
		names := []string{}
		for m := range in.Messages() {
			names = append(names, m.Name)
		}
		rec.mu.Lock()
		rec.calls = append(rec.calls, names)
		rec.types = append(rec.types, in.Header().Get("Content-Type"))
		rec.mu.Unlock()
		if err := in.Err(); err != nil {
			return nil, err
		}
		return reply(fmt.Sprintf("%d names", len(names))), nil
	})
	greeter.BiStream.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		names := []string{}
		for m := range s.Messages() {
			names = append(names, m.Name)
			if err := s.Write(reply("Hello, " + m.Name)); err != nil {
				return err
			}
		}
		rec.mu.Lock()
		rec.calls = append(rec.calls, names)
		rec.types = append(rec.types, s.Header().Get("Content-Type"))
		rec.mu.Unlock()
		return s.Err()
	})
	greeter.SayHello.Handle(svc, func(_ context.Context, r greeter.Request) (greeter.Reply, error) {
		return reply("Hello, " + r.Name), nil
	})
	testgreeter.EchoSize.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		for m := range s.Messages() {
			if err := s.Write(reply(m.Name)); err != nil {
				return err
			}
		}
		return s.Err()
	})
	return svc
}

func (rec *recorder) take() ([][]string, []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	c, ty := rec.calls, rec.types
	rec.calls, rec.types = nil, nil
	return c, ty
}

// TestZeroLengthMessage: dubbo-python's done_writing sends a zero-length
// message before ending the stream; a Go handler must not see it. A Go
// consumer's empty message (a GreeterRequest with name "" encodes to zero
// bytes) is a real message and must arrive, even as the last one.
func TestZeroLengthMessage(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	rec := &recorder{}
	url := testenv.Serve(t, rec.service())

	t.Run("python_done_writing", func(t *testing.T) {
		res := py.RunClient(t, "--url", url, "--case", "client_stream_write", "--case", "client_stream_iter", "--case", "bidi_iter")
		if len(res) != 3 {
			t.Fatalf("results %v", res)
		}
		for _, r := range res {
			if r["error"] != nil {
				t.Fatalf("%v: %v", r["case"], r["error"])
			}
		}
		wantStrings(t, "client_stream_write reply", strs(res[0]["messages"]), []string{"3 names"})
		wantStrings(t, "client_stream_iter reply", strs(res[1]["messages"]), []string{"3 names"})
		wantStrings(t, "bidi_iter replies", strs(res[2]["messages"]), []string{"Hello, x", "Hello, y", "Hello, z"})
		calls, types := rec.take()
		want := [][]string{{"a", "b", "c"}, {"a", "b", "c"}, {"x", "y", "z"}}
		if !reflect.DeepEqual(calls, want) {
			t.Fatalf("the Go handlers saw %q, want %q", calls, want)
		}
		for _, ty := range types {
			if ty != "application/grpc+data" {
				t.Fatalf("dubbo-python's content types %q, want application/grpc+data", types)
			}
		}
	})

	t.Run("go_empty_messages", func(t *testing.T) {
		conn := testenv.Dial(t, greeter.ServiceName, url)
		ctx := ctxFor(t, 10*time.Second)
		rs, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("", "a", "", "b", ""))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(rs)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "clientStream reply", got, []string{"5 names"})

		// One empty message alone, then EOF: the case the +data rule drops.
		s, err := greeter.BiStream.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(greeter.Req("")); err != nil {
			t.Fatal(err)
		}
		if err := s.DoneWriting(); err != nil {
			t.Fatal(err)
		}
		got, err = readAll(s.ReadStream)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "biStream replies", got, []string{"Hello, "})

		calls, types := rec.take()
		want := [][]string{{"", "a", "", "b", ""}, {""}}
		if !reflect.DeepEqual(calls, want) {
			t.Fatalf("the Go handlers saw %q, want %q", calls, want)
		}
		for _, ty := range types {
			if ty != "application/grpc+proto" {
				t.Fatalf("the Go consumer's content types %q, want application/grpc+proto", types)
			}
		}
	})
}

// TestMessageOverProviderLimit serves a Go provider that accepts messages of
// at most 1 KiB (max-server-recv-msg-size) and sends it bigger ones from
// Python and from Go: each gets RESOURCE_EXHAUSTED naming the limit, and
// the provider serves the next call.
func TestMessageOverProviderLimit(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	rec := &recorder{}
	url := testenv.ServeOn(t, rec.service(), nil, []protocol.ServerOption{
		protocol.WithTriple(triple.WithMaxServerRecvMsgSize("1KiB")),
	})
	wantExhausted := func(t *testing.T, r map[string]any, size int) {
		t.Helper()
		e, _ := r["error"].(map[string]any)
		want := fmt.Sprintf("received a message of %d bytes, over the 1024-byte limit (max-recv-msg-size)", size)
		if e == nil || e["code"] != float64(8) || e["code_name"] != "RESOURCE_EXHAUSTED" || e["description"] != want {
			t.Fatalf("%v: got %v, want RESOURCE_EXHAUSTED %q", r["case"], r, want)
		}
		wantStrings(t, fmt.Sprint(r["case"]), strs(r["messages"]), nil)
	}

	t.Run("python_4KiB_then_more_calls", func(t *testing.T) {
		// A 4 KiB request is sent in full before the provider answers: the
		// call fails with a clear status and the same connection goes on.
		res := py.RunClient(t, "--url", url, "--case", "kib_unary", "--case", "unary", "--case", "bidi_iter")
		if len(res) != 3 {
			t.Fatalf("results %v", res)
		}
		wantExhausted(t, res[0], 4096+3) // the name's protobuf field: tag, 2-byte length, 4096 bytes
		wantStrings(t, "unary after the refused call", strs(res[1]["messages"]), []string{"Hello, world"})
		wantStrings(t, "bidi_iter after the refused call", strs(res[2]["messages"]), []string{"Hello, x", "Hello, y", "Hello, z"})
	})

	t.Run("python_1MiB_then_more_calls", func(t *testing.T) {
		// The provider's ~4 MiB flow-control windows let Python send the
		// whole 1 MiB before the refusal, so the connection goes on. (A
		// request still being sent when the provider ends the stream, as
		// with 1 MiB windows or a message over ~4 MiB, makes dubbo-python
		// 3.0.0b1's sender fail on the closed stream, h2
		// StreamClosedError, and later calls on that connection hang.)
		//
		// In the bidi case dubbo-python never shows the stream's error
		// status to its reader: it sees EOF with no reply (the
		// RESOURCE_EXHAUSTED status only reaches Python's log as "Future
		// exception was never retrieved").
		res := py.RunClient(t, "--url", url, "--case", "big_unary", "--case", "unary",
			"--case", "big", "--case", "bidi_iter")
		if len(res) != 4 {
			t.Fatalf("results %v", res)
		}
		wantExhausted(t, res[0], 1<<20+4) // tag, 3-byte length, 1 MiB
		wantStrings(t, "unary after the refused call", strs(res[1]["messages"]), []string{"Hello, world"})
		if r := res[2]; r["error"] != nil || r["count"] != float64(0) {
			t.Fatalf("big: %v, want no echo and no error", r)
		}
		wantStrings(t, "bidi_iter after the refused stream", strs(res[3]["messages"]), []string{"Hello, x", "Hello, y", "Hello, z"})
	})

	t.Run("go", func(t *testing.T) {
		conn := testenv.Dial(t, greeter.ServiceName, url)
		ctx := ctxFor(t, 10*time.Second)
		for _, size := range []int{2048, 1 << 20} {
			_, err := greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", size)))
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeResourceExhausted ||
				!strings.Contains(se.Message(), "over the 1024-byte limit (max-recv-msg-size)") {
				t.Fatalf("%d-byte unary: %v, want ResourceExhausted naming the limit", size, err)
			}
			// A refused stream message: the bidi stream fails with the
			// same status (the Go reader, unlike Python's, sees it).
			s, err := testgreeter.EchoSize.Open(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			// Write and DoneWriting may fail once the provider has ended
			// the stream; the status comes from Read.
			if err := s.Write(greeter.Req(strings.Repeat("y", size))); err != nil {
				t.Logf("%d-byte bidi message: Write returned %v", size, err)
			}
			_ = s.DoneWriting()
			got, err := readAll(s.ReadStream)
			if !errors.As(err, &se) || se.Code() != streamx.CodeResourceExhausted || len(got) != 0 {
				t.Fatalf("%d-byte bidi message: replies %q, end %v, want ResourceExhausted", size, got, err)
			}
			// The same connection goes on.
			r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("small"))
			if err != nil || r.Message != "Hello, small" {
				t.Fatalf("unary after the refused %d-byte one: %v %v", size, r, err)
			}
		}
	})
}

// TestDefaultLimit4MiB: without settings a Go provider takes a message of
// exactly 4 MiB and refuses a bigger one (dubbo-go's default
// max-server-recv-msg-size); a Go consumer likewise refuses a reply over
// 4 MiB (max-call-recv-msg-size).
func TestDefaultLimit4MiB(t *testing.T) {
	checkLeaks(t)
	rec := &recorder{}
	url := testenv.Serve(t, rec.service())
	conn := testenv.Dial(t, greeter.ServiceName, url)
	ctx := ctxFor(t, 30*time.Second)
	echo := func(size int) ([]string, error) {
		s, err := testgreeter.EchoSize.Open(ctx, conn)
		if err != nil {
			return nil, err
		}
		_ = s.Write(greeter.Req(strings.Repeat("x", size)))
		_ = s.DoneWriting()
		return readAll(s.ReadStream)
	}
	// The encoded message is the name plus 5 bytes (tag, 4-byte length).
	got, err := echo(4<<20 - 5)
	if err != nil || len(got) != 1 || len(got[0]) != 4<<20-5 {
		t.Fatalf("a 4 MiB message both ways: %d replies, %v", len(got), err)
	}
	var se *streamx.Error
	_, err = echo(4<<20 - 4)
	if !errors.As(err, &se) || se.Code() != streamx.CodeResourceExhausted ||
		!strings.Contains(se.Message(), "received a message of 4194305 bytes, over the 4194304-byte limit") {
		t.Fatalf("a 4 MiB + 1 message: %v, want ResourceExhausted from the provider", err)
	}
	// A 4 MiB request makes a reply of 4 MiB + 7 ("Hello, "): the
	// consumer refuses it.
	_, err = greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", 4<<20-5)))
	if !errors.As(err, &se) || se.Code() != streamx.CodeResourceExhausted ||
		!strings.Contains(se.Message(), "received a message of 4194311 bytes, over the 4194304-byte limit") {
		t.Fatalf("a 4 MiB + 7 reply: %v, want ResourceExhausted from the consumer", err)
	}
}
