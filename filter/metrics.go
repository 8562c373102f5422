package filter

import (
	"context"
	"errors"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"

	"github.com/prometheus/client_golang/prometheus"
)

// MetricsName is the name of the metrics filter.
const MetricsName = "stream-metrics"

func init() {
	Register(MetricsName, func(*common.URL) (StreamFilter, error) { return Metrics(), nil })
}

// Metrics returns the metrics filter, recording into Prometheus's default
// registry, where dubbo-go's own metrics live. Names follow dubbo-go's
// (dubbo_<side>_...): per interface and method, streams started and
// handled (by status code), messages sent and received, stream duration
// and message size histograms.
func Metrics() StreamFilter { return defaultMetrics() }

// MetricsWith is Metrics recording into reg. It returns an error if reg
// already has different metrics under the same names.
func MetricsWith(reg prometheus.Registerer) (StreamFilter, error) {
	m := newStreamMetrics()
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}

var (
	defaultOnce sync.Once
	defaultM    *streamMetrics
)

func defaultMetrics() *streamMetrics {
	defaultOnce.Do(func() {
		defaultM = newStreamMetrics()
		for _, c := range defaultM.collectors() {
			_ = prometheus.DefaultRegisterer.Register(c) // already there: dubbo-go reuses the process
		}
	})
	return defaultM
}

type sideMetrics struct {
	started, handled, sent, received *prometheus.CounterVec
	duration, size                   *prometheus.HistogramVec
}

type streamMetrics struct {
	sides [2]sideMetrics // by Side
}

func newStreamMetrics() *streamMetrics {
	m := &streamMetrics{}
	for _, side := range []Side{Consumer, Provider} {
		p := "dubbo_" + side.String() + "_"
		m.sides[side] = sideMetrics{
			started:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: p + "streams_started_total", Help: "Streams opened."}, []string{"interface", "method", "kind"}),
			handled:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: p + "streams_handled_total", Help: "Streams ended, by status code."}, []string{"interface", "method", "kind", "code"}),
			sent:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: p + "stream_messages_sent_total", Help: "Stream messages sent."}, []string{"interface", "method"}),
			received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: p + "stream_messages_received_total", Help: "Stream messages received."}, []string{"interface", "method"}),
			duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: p + "stream_duration_seconds", Help: "Stream lifetime.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"interface", "method", "kind"}),
			size:     prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: p + "stream_message_size_bytes", Help: "Encoded message size.", Buckets: prometheus.ExponentialBuckets(16, 4, 10)}, []string{"interface", "method", "direction"}),
		}
	}
	return m
}

func (m *streamMetrics) collectors() []prometheus.Collector {
	var cs []prometheus.Collector
	for _, s := range m.sides {
		cs = append(cs, s.started, s.handled, s.sent, s.received, s.duration, s.size)
	}
	return cs
}

func (m *streamMetrics) Open(_ context.Context, info *StreamInfo, _ Control) (Hooks, error) {
	s := &m.sides[info.Side]
	s.started.WithLabelValues(info.Service, info.Method, info.Kind).Inc()
	return &metricHooks{
		info:     info,
		s:        s,
		sent:     s.sent.WithLabelValues(info.Service, info.Method),
		received: s.received.WithLabelValues(info.Service, info.Method),
		sizeOut:  s.size.WithLabelValues(info.Service, info.Method, "sent"),
		sizeIn:   s.size.WithLabelValues(info.Service, info.Method, "received"),
	}, nil
}

type metricHooks struct {
	info           *StreamInfo
	s              *sideMetrics
	sent, received prometheus.Counter
	sizeOut        prometheus.Observer
	sizeIn         prometheus.Observer
}

func (h *metricHooks) OnSend(_ context.Context, msg Message) error {
	h.sent.Inc()
	h.sizeOut.Observe(float64(len(msg.Payload)))
	return nil
}

func (h *metricHooks) OnReceive(_ context.Context, msg Message) error {
	h.received.Inc()
	h.sizeIn.Observe(float64(len(msg.Payload)))
	return nil
}

func (h *metricHooks) OnClose(_ context.Context, r Result) {
	h.s.handled.WithLabelValues(h.info.Service, h.info.Method, h.info.Kind, r.Code().String()).Inc()
	h.s.duration.WithLabelValues(h.info.Service, h.info.Method, h.info.Kind).Observe(time.Since(h.info.Start).Seconds())
}
