package h2_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
)

// A Transport closed once its calls have ended stops writing and then
// reads what the provider still sends until the provider closes too:
// the provider's frames after the consumer's end (its GOAWAY, a PING) are
// not answered with a TCP reset, which would cut the provider's writes
// and discard what it had not yet delivered.
func TestTransportCloseLetsTheProviderFinish(t *testing.T) {
	l, tr := hostileProvider(t, h2.Limits{})
	ch := startCall(callCtx(t, 5*time.Second), tr, "/x", []byte("req"), true)
	p := l.Accept(2 * time.Second)
	handshake(t, p, ch)
	requestHeaders(t, p, 1)
	if err := p.Respond(1, false); err != nil {
		t.Fatal(err)
	}
	if err := p.Fr.WriteData(1, false, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	trailers := p.Block("grpc-status", "0")
	if err := p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: trailers, EndHeaders: true, EndStream: true}); err != nil {
		t.Fatal(err)
	}
	if r := awaitCall(t, ch, 2*time.Second, "the call"); r.err != nil {
		t.Fatalf("the call: %v", r.err)
	}

	tr.Close()
	// The consumer's end: everything it sent, then EOF.
	if f, trace := p.ReadUntil(2*time.Second, func(http2.Frame) bool { return false }); f != nil || !errors.Is(trace.End, io.EOF) {
		t.Fatalf("want the consumer's end of the connection (EOF); got %s", trace)
	}
	// The provider's last frames go out without a reset.
	if err := p.Fr.WriteGoAway(1, http2.ErrCodeNo, nil); err != nil {
		t.Fatalf("GOAWAY after the consumer's end: %v", err)
	}
	if err := p.Fr.WritePing(false, [8]byte{1}); err != nil {
		t.Fatalf("PING after the consumer's end: %v", err)
	}
	if _, err := p.Next(time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("reading after the consumer's end: %v, want EOF", err)
	}
}
