package transport

import (
	"context"
	"testing"
	"time"

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
	if err := s.Send([]byte("more")); status.CodeOf(err) != status.Internal {
		t.Fatalf("Send on a unary request: %v", err)
	}
	if err := s.CloseSend(); err != nil {
		t.Fatalf("CloseSend on a unary request: %v", err)
	}
	s.Abort(status.New(status.Canceled, "gave up"))
	if _, err := s.Receive(); status.CodeOf(err) != status.Canceled {
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
// timeout; calls with the same one share its encoded header value, and a
// caller's deadline still gives a value of its own.
func TestUnaryTimeoutHeader(t *testing.T) {
	c := NewClient("127.0.0.1:1", nil, testSettings)
	defer c.Close()
	value := func(ctx context.Context, timeout time.Duration) []string {
		t.Helper()
		s, err := c.NewUnary(ctx, "/svc/m", nil, "proto", []byte("req"), timeout)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Abort(nil)
		return s.header["grpc-timeout"]
	}
	a, b := value(t.Context(), 3*time.Second), value(t.Context(), 3*time.Second)
	if len(a) != 1 || a[0] != "3000000u" || &a[0] != &b[0] {
		t.Fatalf("3 s twice: %q and %q, shared %v", a, b, len(a) == 1 && len(b) == 1 && &a[0] == &b[0])
	}
	if other := value(t.Context(), 5*time.Second); len(other) != 1 || other[0] != "5000000u" || a[0] != "3000000u" {
		t.Fatalf("5 s: %q (and 3 s became %q)", other, a)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	if dl := value(ctx, 3*time.Second); len(dl) != 1 || dl[0] == "3000000u" || dl[0] == "5000000u" {
		t.Fatalf("a caller's deadline of an hour sent %q", dl)
	}
}
