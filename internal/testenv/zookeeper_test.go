package testenv

import "testing"

func TestZookeeperStartStopRestart(t *testing.T) {
	z := StartZookeeper(t)
	if got := FourLetterWord(z.Addr, "ruok"); got != "imok" {
		t.Fatalf("ruok = %q, want imok", got)
	}
	z.Stop()
	if !z.Proc.Exited() {
		t.Fatal("process still running after Stop")
	}
	if got := FourLetterWord(z.Addr, "ruok"); got != "" {
		t.Fatalf("ruok after Stop = %q, want no answer", got)
	}
	addr := z.Addr
	z.Restart()
	if z.Addr != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, z.Addr)
	}
	if got := FourLetterWord(z.Addr, "ruok"); got != "imok" {
		t.Fatalf("ruok after Restart = %q, want imok", got)
	}
}
