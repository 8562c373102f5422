package testenv

import (
	"net"
	"net/http"
	"testing"
	"time"
)

func TestNacosStartStopRestart(t *testing.T) {
	t.Parallel() // after the other tests: make test may still be building rnacos
	n := StartNacos(t)
	health := func() int {
		c := &http.Client{Timeout: time.Second}
		resp, err := c.Get("http://" + n.Addr + "/health")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := health(); got != http.StatusOK {
		t.Fatalf("GET /health = %d, want 200", got)
	}
	n.Stop()
	if !n.Proc.Exited() {
		t.Fatal("process still running after Stop")
	}
	if got := health(); got != 0 {
		t.Fatalf("GET /health after Stop = %d, want no answer", got)
	}
	if c, err := net.DialTimeout("tcp", n.GRPCAddr, 200*time.Millisecond); err == nil {
		c.Close()
		t.Fatalf("gRPC port %s still accepts after Stop", n.GRPCAddr)
	}
	n.Restart()
	if got := health(); got != http.StatusOK {
		t.Fatalf("GET /health after Restart = %d, want 200", got)
	}
}
