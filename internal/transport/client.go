package transport

import (
	"context"
	"crypto/tls"
	"net/http"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
)

// Client opens streams to one address over one HTTP/2 connection at a
// time. It is safe for concurrent use.
type Client struct {
	h2       *h2.Client
	settings Settings
	// What NewUnary sends, made for the last timeout and codec asked and
	// shared by the calls that ask for the same (nobody modifies them):
	// a reference's calls without a deadline of their own send its
	// timeout, a method's calls its codec.
	timeout lastMade[time.Duration, string]
	fields  lastMade[string, []hpack.HeaderField]
}

// transportFields calls set with every header field the transport sends
// on a request with codec, and its shared value.
func transportFields(codec string, set func(name string, value []string)) {
	set("content-type", wire.ContentTypeValue(codec))
	set("te", trailersValue)
	set("grpc-accept-encoding", wire.GzipValue())
	set("user-agent", userAgentValue)
}

// requestFields returns transportFields as a list.
func requestFields(codec string) []hpack.HeaderField {
	var fields []hpack.HeaderField
	transportFields(codec, func(name string, value []string) {
		fields = append(fields, hpack.HeaderField{Name: name, Value: value[0]})
	})
	return fields
}

// NewClient returns a client for addr (host:port). With tlsConf nil it speaks
// HTTP/2 without TLS (prior knowledge), as Triple does.
func NewClient(addr string, tlsConf *tls.Config, s Settings) *Client {
	return &Client{h2: h2.NewClient(addr, tlsConf, s.H2), settings: s}
}

// Close closes the connection once its open streams have ended.
func (c *Client) Close() { c.h2.Close() }

// NewStream prepares an RPC on path (/<interface>/<method>) with the given
// request headers and codec name; Start sends it. It does not wait for the
// server: errors from connecting show up on the first Receive (and Send
// fails too). The stream owns header from then on: its names must be
// lower case, and it sets content-type, te, grpc-accept-encoding,
// user-agent and grpc-timeout in it (room for 5 more entries saves the
// map a resize).
func (c *Client) NewStream(ctx context.Context, path string, header http.Header, codec string) *ClientStream {
	ctx, cancel := context.WithCancelCause(ctx)
	s := c.newStream(ctx, cancel, path, codec, nil)
	// The stream takes header (lower-case names, as HTTP/2 sends them) and
	// sets the protocol's own fields in it, with shared values.
	h := header
	if h == nil {
		h = make(http.Header, 5)
	}
	transportFields(codec, func(name string, value []string) { h[name] = value })
	if dl, ok := ctx.Deadline(); ok {
		h["grpc-timeout"] = []string{wire.EncodeTimeout(time.Until(dl))}
	}
	s.req.Extra = h
	return s
}

// NewUnary prepares a call whose only request is payload, which Start
// writes with the request headers (one write when the windows allow): no
// writer goroutine. Send has nothing to add to it. Without a deadline on
// ctx, timeout > 0 bounds the call (DEADLINE_EXCEEDED).
//
// The stream's context is its own, not derived from ctx: the stream
// checks ctx while the call waits (see callerWatch), enforces timeout with
// a timer, and resets itself. That spares a timer context and context
// watchers per call; its Context has no deadline. A ctx already done
// fails the call at once.
func (c *Client) NewUnary(ctx context.Context, path string, header http.Header, codec string, payload []byte, timeout time.Duration) (*ClientStream, error) {
	if err := checkSendSize(len(payload), c.settings); err != nil {
		return nil, err
	}
	done := ctx.Done()
	if done != nil {
		select {
		case <-done:
			return nil, status.FromContext(ctx)
		default:
		}
	}
	payload, compressed := c.settings.maybeGzip(payload)
	fixed := AppendFrame(nil, payload, compressed)
	parent := ctx
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	s := c.newStream(ctx, cancel, path, codec, fixed)
	// The transport's fields go as a shared list: no map per call.
	s.req = h2.Header{Fields: c.fields.get(codec, requestFields), Extra: header}
	if dl, ok := parent.Deadline(); ok {
		s.req.Timeout = wire.EncodeTimeout(time.Until(dl))
	} else if timeout > 0 {
		s.req.Timeout = c.timeout.get(timeout, wire.EncodeTimeout)
		s.timer = time.AfterFunc(timeout, func() {
			s.abort(status.Errorf(status.DeadlineExceeded, "no reply within the call's timeout (%v): %w", timeout, context.DeadlineExceeded))
		})
	}
	if done != nil {
		s.caller = callerWatch{s: s, ctx: parent}
	}
	return s, nil
}

func (c *Client) newStream(ctx context.Context, cancel context.CancelCauseFunc, path, codec string, fixed []byte) *ClientStream {
	s := &ClientStream{
		ctx:      ctx,
		cancel:   cancel,
		settings: c.settings,
		ready:    make(chan struct{}),
		client:   c,
		path:     path,
		fixed:    fixed,
	}
	s.link, s.side = s, filterchain.Consumer
	return s
}

// Shared request header values; nobody modifies them.
var (
	trailersValue  = []string{"trailers"}
	userAgentValue = []string{"streamx-go/0.1"}
)
