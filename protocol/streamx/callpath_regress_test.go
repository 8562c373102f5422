package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// Regression tests for the call path's edge orders (issue 24): each failed
// before its fix.

// inspect fails the test unless err can be looked at without a panic: a
// nil *Error inside a non-nil error used to escape.
func inspect(t *testing.T, what string, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s: inspecting the error panicked: %v", what, p)
		}
	}()
	if err == nil {
		return
	}
	_ = err.Error()
	_ = streamx.CodeOf(err)
	_ = errors.Is(err, io.EOF)
	var se *streamx.Error
	if errors.As(err, &se) && se == nil {
		t.Fatalf("%s: a nil *streamx.Error in a non-nil error", what)
	}
}

var oneReply = streamx.NewBidiStream[greeter.Request, greeter.Reply]("oneReply")

// A bidi provider that writes one reply and returns: the consumer reads it,
// then io.EOF, and a DoneWriting after that returns nil or a real error.
func TestDoneWritingAfterEOF(t *testing.T) {
	noLeaks(t)
	svc := streamx.NewService(greeter.ServiceName)
	oneReply.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		return s.Write(&pb.GreeterReply{Message: "only"})
	})
	url := testenv.Serve(t, svc)
	ctx := ctxT(t)
	s, err := oneReply.Open(ctx, dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Read(); err != nil || r.Message != "only" {
		t.Fatalf("got %v, %v", r, err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v; want io.EOF", err)
	}
	err = s.DoneWriting()
	inspect(t, "DoneWriting after EOF", err)
	err = s.DoneWriting()
	inspect(t, "second DoneWriting", err)
	if !errors.Is(err, streamx.ErrDoneTwice) {
		t.Fatalf("second DoneWriting: %v; want ErrDoneTwice", err)
	}
	err = s.Write(greeter.Req("late"))
	inspect(t, "Write after EOF", err)
	if err == nil {
		t.Fatal("Write after the end succeeded")
	}
}

// An iterator that yields a message over the send limit fails the call at
// once with ResourceExhausted, on both stream kinds that take one; it used
// to block until the deadline, for ever without one.
func TestOpenWithOversizeFailsTheCall(t *testing.T) {
	noLeaks(t)
	url := testenv.Serve(t, greeter.NewService())
	small := dial(t, url, client.WithParam("max-call-send-msg-size", "100B"))
	big := strings.Repeat("z", 200)
	seq := func(names ...string) iter.Seq[greeter.Request] {
		return func(yield func(greeter.Request) bool) {
			for _, n := range names {
				if !yield(greeter.Req(n)) {
					return
				}
			}
		}
	}
	check := func(what string, read func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- read() }()
		select {
		case err := <-done:
			wantCode(t, err, streamx.CodeResourceExhausted, "send limit")
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the read still blocks after 10s", what)
		}
	}
	// No deadline on ctx: the call must not wait for one.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs, err := greeter.ClientStream.OpenWith(ctx, small, seq("a", big, "b"))
	if err != nil {
		t.Fatal(err)
	}
	check("client stream", func() error { _, err := cs.Read(); return err })
	bs, err := greeter.BiStream.OpenWith(ctx, small, seq(big))
	if err != nil {
		t.Fatal(err)
	}
	check("bidi stream", func() error {
		for {
			if _, err := bs.Read(); err != nil {
				return err
			}
		}
	})
	_, err = greeter.ClientStream.CallWith(ctx, small, seq("a", big))
	wantCode(t, err, streamx.CodeResourceExhausted, "send limit")
}

var headerEcho = streamx.NewBidiStream[greeter.Request, greeter.Reply]("headerEcho")

// A provider's ReadStream.Header is the call's own: changing it changes no
// other call's headers (the transport shares its header values).
func TestProviderHeaderIsTheCallsOwn(t *testing.T) {
	noLeaks(t)
	svc := streamx.NewService(greeter.ServiceName)
	headerEcho.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		h := s.Header()
		got := strings.Join(h.Values("content-type"), ",") + "|" + strings.Join(h.Values("te"), ",")
		// A careless handler scribbles on what it was given.
		for _, k := range []string{"content-type", "te", "user-agent", "grpc-accept-encoding"} {
			k = http.CanonicalHeaderKey(k)
			if vs := h[k]; len(vs) > 0 {
				vs[0] = "scribbled"
			}
			h[k] = append(h[k], "more")
		}
		return s.Write(&pb.GreeterReply{Message: got})
	})
	url := testenv.Serve(t, svc)
	ctx := ctxT(t)
	conn := dial(t, url)
	call := func() string {
		t.Helper()
		s, err := headerEcho.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("got %v; want io.EOF", err)
		}
		return r.Message
	}
	first := call()
	for range 3 {
		if got := call(); got != first || strings.Contains(got, "scribbled") || strings.Contains(got, "more") {
			t.Fatalf("a later call saw %q; the first saw %q", got, first)
		}
	}
}

var timedThenReturn = streamx.NewBidiStream[greeter.Request, greeter.Reply]("timedThenReturn")

// A handler whose timed read gave up and that then returns leaves no
// goroutine behind: the read's pending receive ends with the call. It
// waited for ever on the request body, which the provider released
// without waking its reader (found by TestModel, seed 29).
func TestProviderTimedReadThenReturn(t *testing.T) {
	noLeaks(t)
	svc := streamx.NewService(greeter.ServiceName)
	timedThenReturn.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		if _, err := s.ReadTimeout(0); !errors.Is(err, streamx.ErrReadTimeout) {
			return fmt.Errorf("timed read: %v; want ErrReadTimeout", err)
		}
		return nil
	})
	url := testenv.Serve(t, svc)
	s, err := timedThenReturn.Open(ctxT(t), dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v; want io.EOF", err)
	}
}

// A provider stopping with a handler that ignores its context waits for it
// at most the graceful timeout, once: the graceful shutdown and the close
// after it each waited the whole timeout.
func TestStopWaitsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("waits the 5 s graceful timeout")
	}
	stuck := streamx.NewBidiStream[[]byte, []byte]("stuck", streamx.WithCodec(streamx.RawCodec{}))
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	svc := streamx.NewService("regress.Stuck")
	stuck.Handle(svc, func(context.Context, *streamx.ReadWriteStream[[]byte, []byte]) error {
		close(started)
		<-release // ignores its context on purpose
		return nil
	})
	srv, err := streamxtest.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conn, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	s, err := stuck.Open(ctxT(t), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	<-started
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 7*time.Second {
		t.Fatalf("stopping took %v, want at most the 5 s graceful timeout", d.Round(100*time.Millisecond))
	}
}
