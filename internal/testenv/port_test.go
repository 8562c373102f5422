package testenv

import (
	"net"
	"strconv"
	"testing"
)

// Ports claimed and still held are never handed out twice, and each can be
// bound by its holder.
func TestFreePortUnique(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice while still held", p)
		}
		seen[p] = true
	}
	for p := range seen {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("claimed port %d cannot be bound: %v", p, err)
		}
		l.Close()
		break
	}
}

// A port held by one claim is refused to another, as it would be to another
// test process (flock locks are per open file description).
func TestFreePortHeldIsRefused(t *testing.T) {
	p, release, err := claimPort()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for range 2000 {
		q, rel, err := claimPort()
		if err != nil {
			t.Fatal(err)
		}
		rel()
		if q == p {
			t.Fatalf("port %d handed out while held", p)
		}
	}
}
