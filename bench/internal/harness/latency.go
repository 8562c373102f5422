package harness

import (
	"slices"
	"time"
)

// Latency is the distribution of one run's per-call times, in µs.
type Latency struct {
	Calls int     `json:"calls"`
	P50   float64 `json:"p50_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p999_us"`
}

// latencyOf sorts ds and reads its percentiles (nearest rank); nil for
// none.
func latencyOf(ds []time.Duration) *Latency {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.5) - 1
		i = min(max(i, 0), len(ds)-1)
		return float64(ds[i].Nanoseconds()) / 1e3
	}
	return &Latency{Calls: len(ds), P50: at(0.50), P99: at(0.99), P999: at(0.999)}
}
