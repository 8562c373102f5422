package memnet

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"golang.org/x/net/nettest"
)

// x/net's conformance suite for net.Conn implementations: basic I/O,
// ping-pong, racy reads and writes, deadlines past, present and future,
// concurrent methods, close.
func TestPipeConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = Pipe(Addr("a"), Addr("b"))
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestListenDial(t *testing.T) {
	ctx := context.Background()
	if _, ok, _ := Dial(ctx, "nowhere:1"); ok {
		t.Fatal("an unclaimed address was dialled in memory")
	}
	if err := Claim("memnet-test:1"); err != nil {
		t.Fatal(err)
	}
	if err := Claim("memnet-test:1"); err == nil {
		t.Fatal("claimed twice")
	}
	if _, ok, err := Dial(ctx, "memnet-test:1"); !ok || !errors.Is(err, ErrRefused) {
		t.Fatalf("dial before listen: ok %v, err %v; want refused", ok, err)
	}
	l, err := Listen("memnet-test:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen("memnet-test:1"); err == nil {
		t.Fatal("two listeners on one address")
	}
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c) // echo
		c.Close()
	}()
	c, ok, err := Dial(ctx, "memnet-test:1")
	if !ok || err != nil {
		t.Fatalf("dial: ok %v, err %v", ok, err)
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo %q, %v", buf, err)
	}
	c.Close()
	l.Close()
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("accept after close: %v", err)
	}
	if _, _, err := Dial(ctx, "memnet-test:1"); !errors.Is(err, ErrRefused) {
		t.Fatalf("dial after close: %v, want refused", err)
	}
}

// CloseWrite is a half-close: the peer reads what was written, then EOF,
// and what it writes afterwards is still read on this side, until Close.
func TestPipeCloseWrite(t *testing.T) {
	a, b := Pipe(Addr("a"), Addr("b"))
	defer a.Close()
	defer b.Close()
	if _, err := a.Write([]byte("last")); err != nil {
		t.Fatal(err)
	}
	hc, ok := a.(interface{ CloseWrite() error })
	if !ok {
		t.Fatal("a pipe end has no CloseWrite")
	}
	if err := hc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Fatal("a write after CloseWrite succeeded")
	}
	if got, err := io.ReadAll(b); string(got) != "last" || err != nil {
		t.Fatalf("the peer read %q, %v; want %q then EOF", got, err, "last")
	}
	if _, err := b.Write([]byte("late")); err != nil {
		t.Fatalf("the peer's write after the half-close: %v", err)
	}
	buf := make([]byte, 8)
	if n, err := a.Read(buf); string(buf[:n]) != "late" || err != nil {
		t.Fatalf("read after the half-close: %q, %v; want %q", buf[:n], err, "late")
	}
	_ = a.Close()
	if _, err := b.Write([]byte("gone")); err == nil {
		t.Fatal("the peer's write after Close succeeded")
	}
}
