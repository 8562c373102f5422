package harness

import (
	"testing"
	"time"
)

func TestLatencyOf(t *testing.T) {
	if latencyOf(nil) != nil {
		t.Fatal("latency of no calls")
	}
	var ds []time.Duration
	for i := 1000; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Microsecond)
	}
	l := latencyOf(ds)
	if l.Calls != 1000 || l.P50 != 500 || l.P99 != 990 || l.P999 != 999 {
		t.Fatalf("got %+v, want 1000 calls, p50 500, p99 990, p99.9 999", *l)
	}
	if l := latencyOf([]time.Duration{7 * time.Microsecond}); l.P50 != 7 || l.P999 != 7 {
		t.Fatalf("one call: %+v", *l)
	}
}
