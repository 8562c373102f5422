package streamx_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// fakeProvider serves HTTP/2 cleartext on 127.0.0.1 with one handler for
// every path, and counts the requests it got. It stops when the test ends.
type fakeProvider struct {
	url   string
	calls atomic.Int32
}

func newFakeProvider(t *testing.T, answer func(w http.ResponseWriter)) *fakeProvider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{url: "tri://" + ln.Addr().String()}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body) // the whole request, as a provider that fails at its end
		answer(w)
	})
	srv := &http2.Server{}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv.ServeConn(c, &http2.ServeConnOpts{Handler: h})
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return p
}

// javaFailure answers as Apache Dubbo for Java does when a handler fails
// before the response headers went out: :status 500, a gRPC content type,
// and the status in the headers.
func javaFailure(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Grpc-Status", "3")
	w.Header().Set("Grpc-Message", "bad name")
	w.WriteHeader(http.StatusInternalServerError)
}

// proxyFailure answers as an HTTP proxy whose upstream is down: 502 and
// no gRPC status.
func proxyFailure(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "upstream down")
}

// callKinds makes one call of each kind and returns its error.
var callKinds = []struct {
	name string
	call func(ctx context.Context, conn *client.Connection) error
}{
	{"unary", func(ctx context.Context, conn *client.Connection) error {
		_, err := greeter.SayHello.Call(ctx, conn, greeter.Req("x"))
		return err
	}},
	{"client stream", func(ctx context.Context, conn *client.Connection) error {
		s, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("a", "b"))
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Read()
		return err
	}},
	{"server stream", func(ctx context.Context, conn *client.Connection) error {
		s, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("x"))
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Read()
		return err
	}},
	{"bidi", func(ctx context.Context, conn *client.Connection) error {
		s, err := greeter.BiStream.OpenWith(ctx, conn, greeter.Names("a"))
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Read()
		return err
	}},
}

// A provider that answers :status 500 with a gRPC content type and
// grpc-status (Dubbo Java's form of a handler's error) answered the call:
// with failover retries 2 the handler runs once, and the caller gets the
// provider's code and message, on every call kind.
func TestAnsweredWithHTTP500IsNotRetried(t *testing.T) {
	noLeaks(t)
	for _, kind := range callKinds {
		t.Run(kind.name, func(t *testing.T) {
			p := newFakeProvider(t, javaFailure)
			conn := dial(t, p.url, client.WithCluster("failover"), client.WithRetries(2))
			err := kind.call(ctxT(t), conn)
			if got := streamx.CodeOf(err); got != streamx.CodeInvalidArgument {
				t.Errorf("code %v (%v), want invalid_argument", got, err)
			}
			var se *streamx.Error
			if !errors.As(err, &se) || se.Message() != "bad name" {
				t.Errorf("error %v, want the message %q", err, "bad name")
			}
			if n := p.calls.Load(); n != 1 {
				t.Errorf("the provider ran the call %d times, want once", n)
			}
		})
	}
}

// A non-200 gRPC answer whose grpc-status says OK is contradictory: the
// caller gets INTERNAL naming both, and the call is not run again.
func TestAnsweredWithHTTP500AndStatusOK(t *testing.T) {
	noLeaks(t)
	p := newFakeProvider(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "0")
		w.WriteHeader(http.StatusInternalServerError)
	})
	conn := dial(t, p.url, client.WithCluster("failover"), client.WithRetries(2))
	_, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
	var se *streamx.Error
	if !errors.As(err, &se) || se.Code() != streamx.CodeInternal || se.Message() != "provider answered HTTP 500 with grpc-status 0" {
		t.Errorf("error %v, want internal naming HTTP 500 and grpc-status 0", err)
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("the provider ran the call %d times, want once", n)
	}
}

// A 502 without grpc-status is an HTTP failure, not an answer: it maps to
// UNAVAILABLE as in gRPC, and a unary call is retried (3 attempts).
func TestHTTP502WithoutGRPCStatus(t *testing.T) {
	noLeaks(t)
	for _, kind := range callKinds {
		t.Run(kind.name, func(t *testing.T) {
			p := newFakeProvider(t, proxyFailure)
			conn := dial(t, p.url, client.WithCluster("failover"), client.WithRetries(2))
			err := kind.call(ctxT(t), conn)
			if got := streamx.CodeOf(err); got != streamx.CodeUnavailable {
				t.Errorf("code %v (%v), want unavailable", got, err)
			}
			var se *streamx.Error
			if !errors.As(err, &se) || se.Message() != `provider answered HTTP 502 (content-type "text/plain")` {
				t.Errorf("error %v, want the HTTP status named", err)
			}
			want := int32(1)
			if kind.name == "unary" {
				want = 3 // failover: not answered, so tried on every attempt
			}
			if n := p.calls.Load(); n != want {
				t.Errorf("the provider got %d requests, want %d", n, want)
			}
		})
	}
}

// A grpc-message sent without percent-encoding reaches the caller intact:
// raw UTF-8, and raw ISO-8859-1 as Dubbo Java sends it (Netty writes each
// char's low byte: "é" is the byte 0xE9); so do a lone '%' and a valid
// percent-encoded message.
func TestRawGRPCMessage(t *testing.T) {
	noLeaks(t)
	for _, tc := range []struct{ sent, want string }{
		{"mauvais prénom", "mauvais prénom"},
		{"INVALID_ARGUMENT : mauvais pr\xe9nom", "INVALID_ARGUMENT : mauvais prénom"},
		{"INVALID_ARGUMENT : 100% sûr", "INVALID_ARGUMENT : 100% sûr"},
		{"100% sure", "100% sure"},
		{"mauvais pr%C3%A9nom", "mauvais prénom"},
	} {
		t.Run(tc.sent, func(t *testing.T) {
			p := newFakeProvider(t, func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/grpc")
				w.Header().Set("Grpc-Status", "3")
				w.Header().Set("Grpc-Message", tc.sent)
				w.WriteHeader(http.StatusOK)
			})
			conn := dial(t, p.url)
			_, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
			var se *streamx.Error
			if !errors.As(err, &se) || se.Code() != streamx.CodeInvalidArgument || se.Message() != tc.want {
				t.Errorf("error %v, want invalid_argument %q", err, tc.want)
			}
		})
	}
}
