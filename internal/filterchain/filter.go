// Package filterchain defines stream filters and collects those of one
// call; internal/transport runs them (life_filters.go). The public types
// are re-exported by package filter;
// internal/dubboext creates a Chain per call and puts it in the context, and
// dubbo-go filters registered by package filter add themselves to it.
package filterchain

import (
	"context"
	"net/http"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// Side tells which end of the call a filter runs on.
type Side int

const (
	// Consumer is the calling side.
	Consumer Side = iota
	// Provider is the serving side.
	Provider
)

func (s Side) String() string {
	if s == Provider {
		return "provider"
	}
	return "consumer"
}

// StreamInfo describes a stream to its filters.
type StreamInfo struct {
	Service string      // interface name
	Method  string      // method name on the wire
	Kind    string      // dubbo-go call type: "unary", "client-stream", "server-stream", "bidi-stream"
	Side    Side        // where the filter runs
	Peer    string      // the other side's address (host:port), when known
	Header  http.Header // request headers (provider) or outgoing headers (consumer); read-only
	Start   time.Time   // when the stream opened
}

// Message is one message as it crosses the wire. Payload is its encoded
// form; filters must not modify it or keep it after the hook returns.
type Message struct {
	Payload []byte
}

// Result is how a stream ended: Err is nil for OK, else an error whose
// status code CodeOf reports.
type Result struct {
	Err error
}

// Code returns the status code of the result.
func (r Result) Code() status.Code { return status.CodeOf(r.Err) }

// Control lets a filter end its stream at any time, from any goroutine (a
// timer, say). End with a *status.Error chooses the code the peer sees.
type Control interface {
	End(err error)
}

// StreamFilter is a per-message filter. Open runs once per stream; an error
// rejects the stream with that error.
type StreamFilter interface {
	Open(ctx context.Context, info *StreamInfo, ctl Control) (Hooks, error)
}

// Hooks observe one stream. OnSend and OnReceive run on the goroutine that
// sends or receives; an error ends the stream with it. OnClose runs exactly
// once when the stream ends, however it ends.
type Hooks interface {
	OnSend(ctx context.Context, msg Message) error
	OnReceive(ctx context.Context, msg Message) error
	OnClose(ctx context.Context, res Result)
}
