package filterchain

import (
	"context"
	"testing"
)

// FromContext finds a chain stored under ContextKey, and nothing
// elsewhere.
func TestFromContext(t *testing.T) {
	if FromContext(context.Background()) != nil {
		t.Fatal("a chain outside a call")
	}
	c := &Chain{}
	if got := FromContext(context.WithValue(context.Background(), ContextKey{}, c)); got != c {
		t.Fatalf("FromContext = %p, want %p", got, c)
	}
	if Provider.String() != "provider" || Consumer.String() != "consumer" {
		t.Fatal("Side names")
	}
}

// A sealed chain takes no more filters.
func TestSeal(t *testing.T) {
	c := &Chain{}
	if !c.Add(nil) || len(c.Seal()) != 1 || c.Add(nil) {
		t.Fatal("Add after Seal succeeded, or Add before it failed")
	}
	if (*Chain)(nil).Seal() != nil {
		t.Fatal("a nil chain has filters")
	}
}
