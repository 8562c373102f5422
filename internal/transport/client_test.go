package transport

import (
	"testing"

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
