package h2

import (
	"context"
	"errors"
	"io"
	"testing"
)

// A consumer's body (hides false): data received before a failure is read
// first, a complete body stays readable after one, and the stream's
// window goes back in quarters.
func TestBodyKeepsDataBeforeFailure(t *testing.T) {
	var b Body
	b.Init(16, false)
	b.Put([]byte("abc"))
	boom := errors.New("boom")
	b.Fail(boom)
	if b.Put([]byte("late")) {
		t.Fatal("Put after Fail took the data")
	}
	p := make([]byte, 8)
	if n, grant, err := b.Read(p, nil); string(p[:n]) != "abc" || err != nil || grant != 0 {
		t.Fatalf("Read = %q, grant %d, %v; want the data before the failure, no grant (failed)", p[:n], grant, err)
	}
	if _, _, err := b.Read(p, nil); err != boom {
		t.Fatalf("Read after the data = %v, want the failure", err)
	}

	var c Body
	c.Init(16, false)
	c.Put([]byte("abcd")) // a quarter of 16
	if n, grant, err := c.Read(p[:2], nil); n != 2 || grant != 0 || err != nil {
		t.Fatalf("first Read: %d, grant %d, %v; want 2, no grant", n, grant, err)
	}
	if n, grant, err := c.Read(p, nil); n != 2 || grant != 4 || err != nil {
		t.Fatalf("second Read: %d, grant %d, %v; want 2, grant 4", n, grant, err)
	}
	c.Put([]byte("e"))
	c.End()
	c.Fail(errors.New("reset after the end"))
	if n, _, err := c.Read(p, nil); string(p[:n]) != "e" || err != nil {
		t.Fatalf("Read of a complete body after a failure: %q, %v", p[:n], err)
	}
	if _, _, err := c.Read(p, nil); err != io.EOF {
		t.Fatalf("Read at the end = %v, want io.EOF", err)
	}
}

// A provider's body (hides true): a failure ends it at once, and Release
// drops what is buffered.
func TestBodyFailureHidesData(t *testing.T) {
	var b Body
	b.Init(16, true)
	b.Put([]byte("abc"))
	b.End()
	boom := errors.New("boom")
	b.Fail(boom)
	if _, _, err := b.Read(make([]byte, 8), nil); err != boom {
		t.Fatalf("Read = %v, want the failure", err)
	}
	var c Body
	c.Init(16, true)
	c.Put([]byte("abc"))
	closed := errors.New("closed")
	if n := c.Release(closed); n != 3 {
		t.Fatalf("Release dropped %d bytes, want 3", n)
	}
	if _, _, err := c.Read(make([]byte, 8), nil); err != closed {
		t.Fatalf("Read after Release = %v, want its error", err)
	}
}

// A waiting Read wakes for data from another goroutine, and for its watch.
func TestBodyReadWaits(t *testing.T) {
	var b Body
	b.Init(16, false)
	got := make(chan string, 1)
	go func() {
		p := make([]byte, 8)
		n, _, _ := b.Read(p, nil)
		got <- string(p[:n])
	}()
	b.Put([]byte("hi"))
	if s := <-got; s != "hi" {
		t.Fatalf("woken Read got %q", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := b.Read(make([]byte, 8), ctx)
		errc <- err
	}()
	cancel()
	if err := <-errc; err != ErrWaitEnded {
		t.Fatalf("Read whose watch ended = %v, want ErrWaitEnded", err)
	}
}
