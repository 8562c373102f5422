package transport

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// A unary request has no send queue: Send says so instead of panicking,
// CloseSend is a no-op, and the stream still fails cleanly when aborted
// before it starts.
func TestUnaryRequestRefusesSend(t *testing.T) {
	c := NewClient("127.0.0.1:1", nil, testSettings)
	defer c.Close()
	s, err := c.NewUnary(t.Context(), "/svc/m", nil, "proto", []byte("req"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]byte("more")); status.CodeOf(err) != status.Internal {
		t.Fatalf("Send on a unary request: %v", err)
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatalf("CloseSend on a unary request: %v", err)
	}
	// Its body's write side refuses at once instead of waiting for a
	// stream that never opens for writing (it blocked for ever).
	done := make(chan error, 2)
	go func() {
		done <- s.writeBatch([][]byte{[]byte("x")})
		done <- s.endBody()
	}()
	for range 2 {
		select {
		case err := <-done:
			if status.CodeOf(err) != status.Internal {
				t.Fatalf("write to a unary body: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("writing to a unary request's body blocks")
		}
	}
	s.Abort(status.New(status.Canceled, "gave up"))
	if _, err := s.Read(); status.CodeOf(err) != status.Canceled {
		t.Fatalf("Receive after Abort: %v", err)
	}
}

// A unary call whose caller's context is already done fails at once, with
// the context's code, and sends nothing.
func TestUnaryWithDoneContext(t *testing.T) {
	c := NewClient("127.0.0.1:1", nil, testSettings)
	defer c.Close()
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	for ctx, want := range map[context.Context]status.Code{canceled: status.Canceled, expired: status.DeadlineExceeded} {
		s, err := c.NewUnary(ctx, "/svc/m", nil, "proto", []byte("req"), time.Second)
		if s != nil || status.CodeOf(err) != want {
			t.Errorf("stream %v, error %v; want none and %v", s, err, want)
		}
	}
}

// Unary calls without a deadline of their own send the reference's
// timeout; calls with the same one share its encoded value, and a
// caller's deadline still gives a value of its own. The transport's
// fields go as a list shared by the calls with one codec, and the
// caller's header (none here) is all the map there is.
func TestUnaryTimeoutHeader(t *testing.T) {
	fields := func(h h2.Header) string {
		var out []string
		for _, f := range h.Fields {
			out = append(out, f.Name+"="+f.Value)
		}
		return strings.Join(out, " ")
	}
	c := NewClient("127.0.0.1:1", nil, testSettings)
	defer c.Close()
	req := func(ctx context.Context, timeout time.Duration, codec string) h2.Header {
		t.Helper()
		s, err := c.NewUnary(ctx, "/svc/m", nil, codec, []byte("req"), timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Abort(nil)
		return s.req
	}
	a, b := req(t.Context(), 3*time.Second, "proto"), req(t.Context(), 3*time.Second, "proto")
	if a.Timeout != "3000000u" || unsafe.StringData(a.Timeout) != unsafe.StringData(b.Timeout) {
		t.Fatalf("3 s twice: %q and %q, not shared", a.Timeout, b.Timeout)
	}
	if a.Extra != nil || len(a.Fields) != 4 || &a.Fields[0] != &b.Fields[0] ||
		fields(a) != "content-type=application/grpc+proto te=trailers grpc-accept-encoding=gzip user-agent=streamx-go/0.1" {
		t.Fatalf("request fields %v (shared %v), extra %v", a.Fields, &a.Fields[0] == &b.Fields[0], a.Extra)
	}
	other := req(t.Context(), 5*time.Second, "json")
	if other.Timeout != "5000000u" || a.Timeout != "3000000u" || other.Fields[0].Value != "application/grpc+json" || a.Fields[0].Value != "application/grpc+proto" {
		t.Fatalf("5 s and json: %q %v (and 3 s became %q %v)", other.Timeout, other.Fields[0], a.Timeout, a.Fields[0])
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	if dl := req(ctx, 3*time.Second, "proto").Timeout; dl == "" || dl == "3000000u" || dl == "5000000u" {
		t.Fatalf("a caller's deadline of an hour sent %q", dl)
	}
}

// A caller that cancels while its unary call is still connecting gets
// Canceled, not the dial's failure as Unavailable: the stream's own
// context is detached from the caller's, so the caller's is asked first.
func TestUnaryCanceledWhileConnecting(t *testing.T) {
	// A listener that accepts TCP and never speaks HTTP/2: the dial waits
	// for its SETTINGS.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if nc, err := ln.Accept(); err == nil {
			accepted <- nc
		}
	}()
	defer func() {
		ln.Close()
		select {
		case nc := <-accepted:
			nc.Close()
		default:
		}
	}()
	c := NewClient(ln.Addr().String(), nil, testSettings)
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	s, err := c.NewUnary(ctx, "/svc/m", nil, "proto", []byte("req"), 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() { // cancel once the dial has reached the listener
		nc := <-accepted
		accepted <- nc // closed by the deferred cleanup
		cancel()
	}()
	s.Start()
	if _, err := s.Read(); status.CodeOf(err) != status.Canceled {
		t.Fatalf("Read after the caller cancelled while connecting: %v, want canceled", err)
	}
}
