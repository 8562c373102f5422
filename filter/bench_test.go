package filter_test

import (
	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/server"

	"context"
	"slices"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// nopFilter has hooks that do nothing: the cost of the chain itself.
type nopFilter struct{}

func (nopFilter) Open(context.Context, *filter.StreamInfo, filter.Control) (filter.Hooks, error) {
	return filter.NopHooks{}, nil
}

// BenchmarkFilterOverhead measures a pipelined bidi echo of 16-byte
// messages over loopback with no stream filter, a no-op filter and the
// access log filter, on both sides, interleaved in one run, and reports
// each variant's messages per second and its ratio to no filter:
//
//	go test -run '^$' -bench FilterOverhead -benchtime 1x ./filter/
func BenchmarkFilterOverhead(b *testing.B) {
	variants := []struct {
		name string
		fs   []filter.StreamFilter
	}{
		{"none", nil},
		{"nop", []filter.StreamFilter{nopFilter{}}},
		{"accesslog", []filter.StreamFilter{filter.AccessLogTo(func(string, ...any) {})}},
	}
	const msgs, rounds = 200000, 7
	conns := make([]*client.Connection, len(variants))
	for i, v := range variants {
		// One provider per variant, told apart by version, all up at once.
		url := testenv.Serve(b, testgreeter.NewService(), server.WithVersion(v.name), filter.WithServiceFilters(v.fs...))
		conns[i] = testenv.Dial(b, greeter.ServiceName, url, client.WithVersion(v.name), filter.WithReferenceFilters(v.fs...))
	}
	rates := make([][]float64, len(variants))
	for range b.N {
		for r := 0; r < rounds; r++ {
			for i := range variants {
				rates[i] = append(rates[i], echoRate(b, conns[i], msgs))
			}
		}
	}
	base := median(rates[0])
	for i, v := range variants {
		m := median(rates[i])
		b.ReportMetric(m, v.name+"-msg/s")
		if i > 0 {
			b.ReportMetric(m/base, v.name+"/none")
		}
	}
}

func echoRate(b *testing.B, conn *client.Connection, msgs int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := testgreeter.EchoSize.Open(ctx, conn)
	if err != nil {
		b.Fatal(err)
	}
	payload := greeter.Req("0123456789abcdef"[:14]) // 16 bytes encoded
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		for range msgs {
			if err := s.Write(payload); err != nil {
				errc <- err
				return
			}
		}
		errc <- s.DoneWriting()
	}()
	for i := range msgs {
		if _, err := s.Read(); err != nil {
			b.Fatalf("read %d: %v", i, err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	rate := float64(msgs) / time.Since(start).Seconds()
	return rate
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
