package filter

import (
	"context"
	"sync/atomic"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"

	"github.com/dubbogo/gost/log/logger"
)

// AccessLogName is the name of the access log filter.
const AccessLogName = "stream-accesslog"

func init() {
	Register(AccessLogName, func(*common.URL) (StreamFilter, error) { return AccessLog(), nil })
}

// AccessLog returns the access log filter: one line per stream when it
// closes, through gost's logger at info level, with service, method, peer,
// call kind, messages and bytes each way, duration and status.
func AccessLog() StreamFilter { return accessLog{} }

// AccessLogTo is AccessLog writing its lines with logf instead.
func AccessLogTo(logf func(format string, args ...any)) StreamFilter { return accessLog{logf: logf} }

type accessLog struct {
	logf func(format string, args ...any)
}

func (a accessLog) Open(_ context.Context, info *StreamInfo, _ Control) (Hooks, error) {
	logf := a.logf
	if logf == nil {
		logf = logger.Infof // looked up per stream: the program may replace gost's logger
	}
	return &accessHooks{info: info, logf: logf}, nil
}

type accessHooks struct {
	info                 *StreamInfo
	logf                 func(format string, args ...any)
	sentMsgs, recvMsgs   atomic.Int64
	sentBytes, recvBytes atomic.Int64
}

func (h *accessHooks) OnSend(_ context.Context, m Message) error {
	h.sentMsgs.Add(1)
	h.sentBytes.Add(int64(len(m.Payload)))
	return nil
}

func (h *accessHooks) OnReceive(_ context.Context, m Message) error {
	h.recvMsgs.Add(1)
	h.recvBytes.Add(int64(len(m.Payload)))
	return nil
}

func (h *accessHooks) OnClose(_ context.Context, r Result) {
	msg := ""
	if r.Err != nil {
		msg = " error=" + r.Err.Error()
	}
	h.logf("[streamx] access %s service=%s method=%s peer=%s kind=%s sent=%d/%dB received=%d/%dB duration=%s status=%s%s",
		h.info.Side, h.info.Service, h.info.Method, h.info.Peer, h.info.Kind,
		h.sentMsgs.Load(), h.sentBytes.Load(), h.recvMsgs.Load(), h.recvBytes.Load(),
		time.Since(h.info.Start).Round(time.Microsecond), r.Code(), msg)
}
