package filter

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// LimitName is the name of the limit filter.
const LimitName = "stream-limit"

// URL parameters (`params:` in dubbogo.yml) of the limit filter.
const (
	// ParamMaxMsgRate is the most messages per second a stream may
	// receive (a number; bursts up to one second's worth).
	ParamMaxMsgRate = "stream.max-msg-rate"
	// ParamMaxMsgSize is the largest message a stream may send or receive
	// ("64KiB").
	ParamMaxMsgSize = "stream.max-msg-size"
)

func init() {
	Register(LimitName, func(url *common.URL) (StreamFilter, error) {
		var rate float64
		if v := url.GetParam(ParamMaxMsgRate, ""); v != "" {
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r <= 0 {
				return nil, fmt.Errorf("%s: %q is not a number > 0", ParamMaxMsgRate, v)
			}
			rate = r
		}
		var size int
		if v := url.GetParam(ParamMaxMsgSize, ""); v != "" {
			n, err := settings.ParseSize(ParamMaxMsgSize, v)
			if err != nil {
				return nil, err
			}
			size = n
		}
		return Limit(rate, size), nil
	})
}

// Limit returns a filter that ends a stream with CodeResourceExhausted when
// it receives more than rate messages per second (bursts up to one second's
// worth), or sends or receives a message over maxSize bytes. Zero turns
// either off.
func Limit(rate float64, maxSize int) StreamFilter { return limit{rate: rate, size: maxSize} }

type limit struct {
	rate float64
	size int
}

func (l limit) Open(context.Context, *StreamInfo, Control) (Hooks, error) {
	burst := l.rate
	if burst < 1 {
		burst = 1
	}
	return &limitHooks{l: l, tokens: burst, burst: burst, last: time.Now()}, nil
}

type limitHooks struct {
	NopHooks
	l      limit
	mu     sync.Mutex
	tokens float64
	burst  float64
	last   time.Time
}

func (h *limitHooks) checkSize(m Message, dir string) error {
	if h.l.size > 0 && len(m.Payload) > h.l.size {
		return status.Errorf(status.ResourceExhausted, "%s a message of %d bytes, over the %d-byte limit (%s)", dir, len(m.Payload), h.l.size, ParamMaxMsgSize)
	}
	return nil
}

func (h *limitHooks) OnSend(_ context.Context, m Message) error { return h.checkSize(m, "sending") }

func (h *limitHooks) OnReceive(_ context.Context, m Message) error {
	if err := h.checkSize(m, "received"); err != nil {
		return err
	}
	if h.l.rate <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	h.tokens = min(h.burst, h.tokens+now.Sub(h.last).Seconds()*h.l.rate)
	h.last = now
	if h.tokens < 1 {
		return status.Errorf(status.ResourceExhausted, "more than %g messages per second (%s)", h.l.rate, ParamMaxMsgRate)
	}
	h.tokens--
	return nil
}
