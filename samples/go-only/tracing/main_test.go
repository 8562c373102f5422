package main

import "testing"

// The sample runs: its provider serves, its bidi stream ends cleanly and
// the spans flush (printed on the test's stdout).
func TestRun(t *testing.T) {
	if err := run(""); err != nil {
		t.Fatal(err)
	}
}
