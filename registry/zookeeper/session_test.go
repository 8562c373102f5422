package zookeeper

import "testing"

func TestNodeSession(t *testing.T) {
	var s nodeSession
	if s.needsRewrite(7) {
		t.Fatal("nothing written yet, yet a rewrite is asked for")
	}
	s.wrote(7, 7)
	if s.needsRewrite(7) {
		t.Fatal("same session: no rewrite expected")
	}
	if !s.needsRewrite(8) {
		t.Fatal("new session: rewrite expected")
	}
	if s.needsRewrite(8) {
		t.Fatal("rewrite must be asked for once")
	}

	// Session changed during the create: owner unknown.
	s.wrote(8, 9)
	if !s.needsRewrite(9) {
		t.Fatal("owner unknown: rewrite expected")
	}

	// Nodes written under two sessions: the older ones are gone.
	s.wrote(9, 9)
	s.wrote(10, 10)
	if !s.needsRewrite(10) {
		t.Fatal("nodes of two sessions: rewrite expected")
	}

	s.markStale()
	if !s.needsRewrite(10) {
		t.Fatal("marked stale: rewrite expected")
	}
}
