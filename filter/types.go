package filter

import (
	"context"
	"net/http"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// The filter types are this package's own, so that go doc shows their
// fields and methods; the protocol runs them through toChain, which
// converts each value without copying a message.

// Side tells which end of the call a filter runs on.
type Side int

// The sides.
const (
	// Consumer is the calling side.
	Consumer Side = Side(filterchain.Consumer)
	// Provider is the serving side.
	Provider Side = Side(filterchain.Provider)
)

// String returns "consumer" or "provider".
func (s Side) String() string { return filterchain.Side(s).String() }

// StreamInfo describes a stream to its filters. A filter may keep it for
// the stream's life; it must not modify it.
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
// status code Code reports.
type Result struct {
	Err error
}

// Code returns the status code of the result (streamx.CodeOf(r.Err)).
func (r Result) Code() streamx.Code { return streamx.CodeOf(r.Err) }

// Control ends the stream from a filter. End may be called at any time,
// from any goroutine (a timer, say); an *streamx.Error chooses the code
// the peer sees.
type Control interface {
	End(err error)
}

// StreamFilter opens per-stream Hooks. Open runs once per stream, before
// its first message, on the goroutine that opens it; an error rejects the
// stream with that error (an *streamx.Error chooses the code); nil Hooks
// with a nil error observe nothing. One StreamFilter serves every stream
// of its service or reference, concurrently.
type StreamFilter interface {
	Open(ctx context.Context, info *StreamInfo, ctl Control) (Hooks, error)
}

// Hooks observe one stream. OnSend and OnReceive run on the goroutine that
// sends or receives (a bidi stream's two directions may run
// concurrently); an error ends the stream with it. OnClose runs exactly
// once when the stream ends, however it ends. Embed NopHooks to implement
// only some.
type Hooks interface {
	OnSend(ctx context.Context, msg Message) error
	OnReceive(ctx context.Context, msg Message) error
	OnClose(ctx context.Context, res Result)
}

// toChain runs a StreamFilter in the protocol's filter chain.
type toChain struct{ f StreamFilter }

func (c toChain) Open(ctx context.Context, info *filterchain.StreamInfo, ctl filterchain.Control) (filterchain.Hooks, error) {
	h, err := c.f.Open(ctx, &StreamInfo{
		Service: info.Service, Method: info.Method, Kind: info.Kind, Side: Side(info.Side),
		Peer: info.Peer, Header: info.Header, Start: info.Start,
	}, ctl)
	switch {
	case err != nil:
		return nil, err
	case h == nil:
		h = NopHooks{} // nothing to observe; a nil would panic at the first message
	}
	return chainHooks{h}, nil
}

// chainHooks runs Hooks in the protocol's filter chain; the messages and
// results convert in place (the struct types are identical).
type chainHooks struct{ h Hooks }

func (c chainHooks) OnSend(ctx context.Context, m filterchain.Message) error {
	return c.h.OnSend(ctx, Message(m))
}

func (c chainHooks) OnReceive(ctx context.Context, m filterchain.Message) error {
	return c.h.OnReceive(ctx, Message(m))
}

func (c chainHooks) OnClose(ctx context.Context, r filterchain.Result) { c.h.OnClose(ctx, Result(r)) }
