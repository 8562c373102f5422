// Package transport carries length-prefixed messages over HTTP/2 (the gRPC
// wire that Triple uses) for one RPC, on the client and on the server. It
// knows bytes, not message types: codecs live above it.
package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

//go:generate go run github.com/golang/mock/mockgen@v1.6.0 -destination transportmock/stream.go -package transportmock . Stream

// Stream is one RPC as seen by either side: the untyped core that the typed
// streams sit on.
//
// Send may run concurrently with Receive, but neither may be called
// concurrently with itself.
type Stream interface {
	// Context is done when the RPC ends or is cancelled.
	Context() context.Context
	// Send writes one message. It blocks while flow control holds it back.
	// The caller keeps ownership of payload.
	Send(payload []byte) error
	// CloseSend ends the sending side (the client's half-close; on the server
	// the trailers are written when the handler returns).
	CloseSend() error
	// Receive returns the next message, io.EOF at a clean end, or a
	// *status.Error. The caller owns the returned slice.
	Receive() ([]byte, error)
	// TryReceive is Receive without blocking: ok reports whether b and err
	// are Receive's result. It is false when no whole message has arrived,
	// and whenever only a blocking Receive can tell what comes next.
	TryReceive() (b []byte, ok bool, err error)
	// Abort ends the RPC at once with err (the client cancels the HTTP/2
	// stream; the server resets it). Pending calls return.
	Abort(err error)
	// Header returns the peer's headers (request headers on the server,
	// response headers on the client; nil before they arrive).
	Header() http.Header
}

// Settings tune one side of the transport.
type Settings struct {
	// MaxRecvBytes is the largest message accepted; <= 0 means no limit.
	MaxRecvBytes int
	// MaxSendBytes is the largest message sent; <= 0 means no limit.
	MaxSendBytes int
	// CompressMinBytes is the smallest message that is gzip-compressed when
	// the peer accepts gzip; < 0 never compresses.
	CompressMinBytes int
	// H2 are the HTTP/2 connection's bounds (zero fields: defaults).
	H2 h2conn.Limits
}

// maybeGzip compresses a request payload when configured to; a provider's
// support for gzip is unknown until it answers, so only on request.
func (s Settings) maybeGzip(payload []byte) ([]byte, bool) {
	if s.CompressMinBytes >= 0 && len(payload) >= s.CompressMinBytes {
		if z, err := wire.Gzip(payload); err == nil {
			return z, true
		}
	}
	return payload, false
}

func acceptsGzip(h http.Header) bool {
	for _, v := range h.Values("Grpc-Accept-Encoding") {
		for _, e := range strings.Split(v, ",") {
			if strings.TrimSpace(e) == "gzip" {
				return true
			}
		}
	}
	return false
}

// ErrTooLarge is in the chain of the error that refuses a message over the
// send limit; the stream itself is unharmed.
var ErrTooLarge = errors.New("message too large")

func checkSendSize(n int, s Settings) error {
	if s.MaxSendBytes > 0 && n > s.MaxSendBytes {
		return status.Errorf(status.ResourceExhausted,
			"message of %d bytes is over the %d-byte send limit (max-send-msg-size): %w", n, s.MaxSendBytes, ErrTooLarge)
	}
	return nil
}

// lostPeer maps an I/O error on the HTTP/2 stream to a status: the context's
// own error when it is done, else a lost peer.
func lostPeer(ctx context.Context, err error, what string) error {
	if err := status.FromContext(ctx); err != nil {
		return err
	}
	var se *status.Error
	if errors.As(err, &se) && se != nil {
		return se
	}
	return status.Errorf(status.Unavailable, "%s: %w", what, err)
}
