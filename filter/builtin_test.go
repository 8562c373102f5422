package filter_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// serveWith serves the Greeter with filters by name and URL params, as
// `filter:` and `params:` in dubbogo.yml do.
func serveWith(t *testing.T, filters string, params map[string]string) *client.Connection {
	opts := []server.ServiceOption{server.WithFilter(filters)}
	for k, v := range params {
		opts = append(opts, server.WithParam(k, v))
	}
	return testenv.Dial(t, greeter.ServiceName, serve(t, testgreeter.NewService(), opts...))
}

func TestIdleTimeout(t *testing.T) {
	noLeaks(t)
	conn := serveWith(t, filter.TimeoutName, map[string]string{filter.ParamIdleTimeout: "300ms"})
	s, err := testgreeter.EchoSize.Open(ctxT(t), conn)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 4 { // activity keeps the stream alive past the idle timeout
		time.Sleep(150 * time.Millisecond)
		if err := s.Write(greeter.Req("tick")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(); err != nil {
			t.Fatalf("active stream ended after %v: %v", time.Since(start), err)
		}
	}
	_, err = s.Read() // now idle
	if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded || !strings.Contains(err.Error(), filter.ParamIdleTimeout) {
		t.Fatalf("idle stream: %v", err)
	}
}

func TestMaxDuration(t *testing.T) {
	noLeaks(t)
	conn := serveWith(t, filter.TimeoutName, map[string]string{filter.ParamMaxDuration: "300ms"})
	rs, err := greeter.SlowServerStream.Call(ctxT(t), conn, greeter.Req("100:50"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range rs.Messages() {
		n++
	}
	if streamx.CodeOf(rs.Err()) != streamx.CodeDeadlineExceeded || n < 2 || n > 8 {
		t.Fatalf("after %d messages: %v; want deadline_exceeded after ~6", n, rs.Err())
	}
}

// The consumer side can set its own idle timeout on a reference.
func TestIdleTimeoutConsumerSide(t *testing.T) {
	noLeaks(t)
	url := serve(t, testgreeter.NewService())
	conn := testenv.Dial(t, greeter.ServiceName, url, filter.WithReferenceFilters(filter.Timeout(200*time.Millisecond, 0)))
	s, err := testgreeter.EchoSize.Open(ctxT(t), conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
		t.Fatalf("got %v", err)
	}
}

func TestLimits(t *testing.T) {
	noLeaks(t)
	conn := serveWith(t, filter.LimitName, map[string]string{filter.ParamMaxMsgSize: "100B", filter.ParamMaxMsgRate: "5"})
	ctx := ctxT(t)
	s, err := testgreeter.EchoSize.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(greeter.Req(strings.Repeat("x", 200))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); streamx.CodeOf(err) != streamx.CodeResourceExhausted || !strings.Contains(err.Error(), "100-byte limit") {
		t.Fatalf("oversized: %v", err)
	}
	s, err = testgreeter.EchoSize.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var end error
	for i := range 20 { // far over 5 per second
		if err := s.Write(greeter.Req(fmt.Sprint(i))); err != nil {
			break
		}
		if _, end = s.Read(); end != nil {
			break
		}
		got++
	}
	if streamx.CodeOf(end) != streamx.CodeResourceExhausted || got < 5 || got > 6 {
		t.Fatalf("rate: %d messages then %v; want 5 then resource_exhausted", got, end)
	}
}

// A bad duration, zero included (leave the parameter out to turn a
// timeout off), fails the call naming the parameter and the value.
func TestBadFilterParams(t *testing.T) {
	for _, c := range []struct{ key, v string }{
		{filter.ParamIdleTimeout, "soon"}, {filter.ParamIdleTimeout, "0s"},
		{filter.ParamMaxDuration, "-1s"}, {filter.ParamMaxDuration, "5"},
	} {
		t.Run(c.key+"="+c.v, func(t *testing.T) {
			conn := serveWith(t, filter.TimeoutName, map[string]string{c.key: c.v})
			_, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
			if streamx.CodeOf(err) != streamx.CodeInvalidArgument || !strings.Contains(err.Error(), c.key+":") || !strings.Contains(err.Error(), `"`+c.v+`"`) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	noLeaks(t)
	reg := prometheus.NewRegistry()
	m, err := filter.MetricsWith(reg)
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, testgreeter.NewService(), filter.WithServiceFilters(m))
	conn := testenv.Dial(t, greeter.ServiceName, url, filter.WithReferenceFilters(m))
	rs, err := greeter.ServerStream.Call(ctxT(t), conn, greeter.Req("m"))
	if err != nil {
		t.Fatal(err)
	}
	for range rs.Messages() {
	}
	_, _ = testgreeter.FailUnary.Call(ctxT(t), conn, greeter.Req("m"))
	testenv.Eventually(t, 5*time.Second, "provider metrics", func() bool {
		return testutil.ToFloat64(counter(t, reg, "dubbo_provider_streams_handled_total", "failUnary", "failed_precondition")) == 1
	})
	for _, c := range []struct {
		name, method, extra string
		want                float64
	}{
		{"dubbo_consumer_streams_started_total", "serverStream", "", 1},
		{"dubbo_consumer_streams_handled_total", "serverStream", "ok", 1},
		{"dubbo_consumer_stream_messages_received_total", "serverStream", "", 3},
		{"dubbo_consumer_stream_messages_sent_total", "serverStream", "", 1},
		{"dubbo_provider_stream_messages_sent_total", "serverStream", "", 3},
		{"dubbo_consumer_streams_handled_total", "failUnary", "failed_precondition", 1},
	} {
		if got := testutil.ToFloat64(counter(t, reg, c.name, c.method, c.extra)); got != c.want {
			t.Errorf("%s{method=%s %s} = %v, want %v", c.name, c.method, c.extra, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(reg, "dubbo_consumer_stream_duration_seconds"); n == 0 {
		t.Error("no duration histogram")
	}
}

// counter finds one series of a counter family by method (and code).
func counter(t *testing.T, reg *prometheus.Registry, name, method, code string) prometheus.Collector {
	t.Helper()
	return collectorFunc(func(ch chan<- prometheus.Metric) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["method"] == method && (code == "" || labels["code"] == code) {
					ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.CounterValue, m.GetCounter().GetValue())
					return
				}
			}
		}
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.CounterValue, 0)
	})
}

type collectorFunc func(chan<- prometheus.Metric)

func (f collectorFunc) Describe(chan<- *prometheus.Desc)    {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

// The access log writes one line per stream at close.
func TestAccessLog(t *testing.T) {
	noLeaks(t)
	rec := &logRecorder{}
	// Over TCP: the line names the peer's address.
	url := testenv.Serve(t, testgreeter.NewService(), filter.WithServiceFilters(filter.AccessLogTo(rec.Infof)))
	conn := testenv.Dial(t, greeter.ServiceName, url)
	rs, err := greeter.ServerStream.Call(ctxT(t), conn, greeter.Req("log"))
	if err != nil {
		t.Fatal(err)
	}
	for range rs.Messages() {
	}
	testenv.Eventually(t, 5*time.Second, "an access line", func() bool { return len(rec.lines("[streamx] access")) == 1 })
	line := rec.lines("[streamx] access")[0]
	for _, want := range []string{"provider", "service=" + greeter.ServiceName, "method=serverStream", "kind=server-stream",
		"sent=3/", "received=1/5B", "status=ok", "peer=127.0.0.1:"} {
		if !strings.Contains(line, want) {
			t.Errorf("access line %q lacks %q", line, want)
		}
	}
}

type logRecorder struct {
	mu  sync.Mutex
	got []string
}

func (l *logRecorder) Infof(format string, args ...any) {
	l.mu.Lock()
	l.got = append(l.got, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *logRecorder) lines(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.got {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
