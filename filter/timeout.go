package filter

import (
	"context"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// TimeoutName is the name of the timeout filter.
const TimeoutName = "stream-timeout"

// URL parameters (`params:` in dubbogo.yml) of the timeout filter, as Go
// durations > 0 ("30s", "1m30s"); a timeout left out is off.
const (
	ParamIdleTimeout = "stream.idle-timeout"
	ParamMaxDuration = "stream.max-duration"
)

func init() {
	Register(TimeoutName, func(url *common.URL) (StreamFilter, error) {
		idle, err := durationParam(url, ParamIdleTimeout)
		if err != nil {
			return nil, err
		}
		max, err := durationParam(url, ParamMaxDuration)
		if err != nil {
			return nil, err
		}
		return Timeout(idle, max), nil
	})
}

func durationParam(url *common.URL, key string) (time.Duration, error) {
	v := url.GetParam(key, "")
	if v == "" {
		return 0, nil
	}
	return settings.ParseDuration(key, v)
}

// Timeout returns a filter that ends a stream with CodeDeadlineExceeded when
// no message went either way for idle, or when it has lasted max. Zero
// turns either off.
func Timeout(idle, max time.Duration) StreamFilter { return timeout{idle: idle, max: max} }

type timeout struct{ idle, max time.Duration }

func (t timeout) Open(_ context.Context, _ *StreamInfo, ctl Control) (Hooks, error) {
	h := &timeoutHooks{idle: t.idle}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.idle > 0 {
		h.idleTimer = time.AfterFunc(t.idle, func() {
			ctl.End(status.Errorf(status.DeadlineExceeded, "no message either way for %s (%s)", t.idle, ParamIdleTimeout))
		})
	}
	if t.max > 0 {
		h.maxTimer = time.AfterFunc(t.max, func() {
			ctl.End(status.Errorf(status.DeadlineExceeded, "stream lasted its maximum of %s (%s)", t.max, ParamMaxDuration))
		})
	}
	return h, nil
}

type timeoutHooks struct {
	idle                time.Duration
	mu                  sync.Mutex
	idleTimer, maxTimer *time.Timer
}

func (h *timeoutHooks) touch() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.idleTimer != nil {
		h.idleTimer.Reset(h.idle)
	}
}

func (h *timeoutHooks) OnSend(context.Context, Message) error    { h.touch(); return nil }
func (h *timeoutHooks) OnReceive(context.Context, Message) error { h.touch(); return nil }

func (h *timeoutHooks) OnClose(context.Context, Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range []*time.Timer{h.idleTimer, h.maxTimer} {
		if t != nil {
			t.Stop()
		}
	}
	h.idleTimer = nil
}
