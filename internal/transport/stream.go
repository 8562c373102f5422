// Package transport carries length-prefixed messages over HTTP/2 (the gRPC
// wire that Triple uses) for one RPC, on the client and on the server. It
// knows bytes, not message types: codecs live above it.
package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// Stream is one call as the typed streams of package streamx see it, on
// either side: the untyped core they sit on. *ClientStream and
// *ServerStream are its two implementations, each owning its call's life
// (see life).
//
// Read and ReadTimeout must not be called concurrently with each other;
// Write and DoneWriting are safe for concurrent use and may run
// concurrently with reads; CloseRead and Abort may be called from any
// goroutine at any time.
type Stream interface {
	// Context is done when the call ends or is cancelled.
	Context() context.Context
	// Header returns the peer's headers (request headers on the provider,
	// response headers on the consumer; nil before they arrive).
	Header() http.Header
	// Trailer returns the response trailers on a consumer once the reads
	// ended; nil before, and always on a provider.
	Trailer() http.Header
	// Read returns the next message, io.EOF at a clean end, or a
	// *status.Error, again on every later call. The message is lent: its
	// bytes are the caller's until the next read (see Reader.Next).
	Read() ([]byte, error)
	// ReadTimeout is Read that returns ErrReadTimeout after d, losing
	// nothing.
	ReadTimeout(d time.Duration) ([]byte, error)
	// CloseRead stops reading; on a consumer it cancels the call.
	CloseRead()
	// Write sends one encoded message; the caller keeps payload.
	Write(payload []byte) error
	// WriteOwned sends one message encoded into a pooled buffer (mem.Get):
	// payload lies in *buf, which the stream owns from the call on and
	// gives back to the pool once written or dropped.
	WriteOwned(payload []byte, buf *[]byte) error
	// DoneWriting ends the sending side.
	DoneWriting() error
	// WriteErr returns what a Write would fail with, or nil.
	WriteErr() error
	// Abort ends the call at once with err.
	Abort(err error)
}

var (
	_ Stream = (*ClientStream)(nil)
	_ Stream = (*ServerStream)(nil)
)

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
	H2 h2.Limits
}

// maybeGzip compresses a request payload when configured to; a provider's
// support for gzip is unknown until it answers, so only on request.
func (s Settings) maybeGzip(payload []byte) ([]byte, bool) {
	if s.CompressMinBytes >= 0 && len(payload) >= s.CompressMinBytes {
		if z, err := Gzip(payload); err == nil {
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
