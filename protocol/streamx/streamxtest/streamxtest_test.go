package streamxtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
)

var (
	echo  = streamx.NewBidiStream[[]byte, []byte]("echo", streamx.WithCodec(streamx.RawCodec{}))
	hang  = streamx.NewUnary[string, string]("hang", streamx.WithCodec(streamx.JSONCodec{}))
	greet = streamx.NewUnary[string, string]("greet", streamx.WithCodec(streamx.JSONCodec{}))
)

// newService serves echo (bidi, raw bytes), hang (waits for its context
// to end and reports it on ended) and greet (metadata both ways; "bad"
// fails with NotFound).
func newService(ended chan<- error) *streamx.Service {
	svc := streamx.NewService("streamxtest.Test")
	echo.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[[]byte, []byte]) error {
		for {
			m, err := s.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.Write(m); err != nil {
				return err
			}
		}
	})
	hang.Handle(svc, func(ctx context.Context, _ string) (string, error) {
		<-ctx.Done()
		ended <- ctx.Err()
		return "", ctx.Err()
	})
	greet.Handle(svc, func(ctx context.Context, name string) (string, error) {
		if name == "bad" {
			return "", streamx.Errorf(streamx.CodeNotFound, "no one called %s", name)
		}
		if err := streamx.SetTrailer(ctx, http.Header{"X-Served-By": {"memory"}}); err != nil {
			return "", err
		}
		return "hello " + name + " from " + streamx.RequestHeader(ctx).Get("X-Caller"), nil
	})
	return svc
}

// The semantics of TCP: flow control under a slow reader, metadata both
// ways, status codes, deadlines reaching the handler, and a stopped
// provider refusing calls; no goroutine left behind.
func TestInMemorySemantics(t *testing.T) {
	warmUp(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ended := make(chan error, 1)
	srv, conn := serve(t, ended)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("flow control", func(t *testing.T) {
		// 32 MiB through a 4 MiB stream window and a 16 MiB connection
		// window: the windows must be granted again and again, in order.
		s, err := echo.Open(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		const n, size = 512, 64 << 10
		go func() {
			for i := range n {
				msg := []byte(strings.Repeat(string(rune('a'+i%26)), size))
				if err := s.Write(msg); err != nil {
					return
				}
			}
			_ = s.DoneWriting()
		}()
		for i := range n {
			m, err := s.Read()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if len(m) != size || m[0] != byte('a'+i%26) || m[size-1] != byte('a'+i%26) {
				t.Fatalf("message %d: %d bytes starting %q", i, len(m), m[:1])
			}
		}
		if _, err := s.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the last message: %v, want io.EOF", err)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		var trailer http.Header
		got, err := greet.Call(ctx, conn, "ann", streamx.WithRequestHeader(http.Header{"X-Caller": {"test"}}), streamx.ResponseTrailer(&trailer))
		if err != nil || got != "hello ann from test" {
			t.Fatalf("greet: %q, %v", got, err)
		}
		if v := trailer.Get("X-Served-By"); v != "memory" {
			t.Fatalf("trailer X-Served-By %q, want memory (trailer %v)", v, trailer)
		}
	})
	t.Run("status", func(t *testing.T) {
		_, err := greet.Call(ctx, conn, "bad")
		if streamx.CodeOf(err) != streamx.CodeNotFound || !strings.Contains(err.Error(), "no one called bad") {
			t.Fatalf("greet bad: %v, want NotFound", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		dctx, dcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer dcancel()
		_, err := hang.Call(dctx, conn, "x")
		if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
			t.Fatalf("hang: %v, want DeadlineExceeded", err)
		}
		select {
		case herr := <-ended:
			if herr == nil {
				t.Fatal("the handler's context ended without an error")
			}
		case <-ctx.Done():
			t.Fatal("the handler never saw the deadline")
		}
	})
	t.Run("stopped provider", func(t *testing.T) {
		srv.Close()
		srv.Close() // idempotent
		_, err := greet.Call(ctx, conn, "late")
		if code := streamx.CodeOf(err); code != streamx.CodeUnavailable {
			t.Fatalf("call after Close: %v (%v), want Unavailable", err, code)
		}
	})
}

// warmUp serves and calls once, so that dubbo-go's process-wide goroutines
// (graceful shutdown, access log) exist before a leak check's snapshot.
func warmUp(t *testing.T) {
	srv, conn := serve(t, make(chan error, 1))
	defer srv.Close()
	if _, err := greet.Call(context.Background(), conn, "warm"); err != nil {
		t.Fatal(err)
	}
}

// serve is New and Dial, without Serve's cleanup: the caller closes.
func serve(t *testing.T, ended chan<- error) (*streamxtest.Server, *client.Connection) {
	t.Helper()
	srv, err := streamxtest.New(newService(ended))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := srv.Dial()
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	return srv, conn
}

func TestNewNil(t *testing.T) {
	if _, err := streamxtest.New(nil); err == nil {
		t.Fatal("New(nil) gave no error")
	}
}

// Serve ties the server to the test.
func TestServe(t *testing.T) {
	conn := streamxtest.Serve(t, newService(make(chan error, 1)))
	got, err := greet.Call(context.Background(), conn, "bo")
	if err != nil || got != fmt.Sprintf("hello %s from ", "bo") {
		t.Fatalf("greet: %q, %v", got, err)
	}
}
