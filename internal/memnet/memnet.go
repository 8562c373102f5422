// Package memnet is an in-process network for tests: listeners registered
// by address, and connections to them that are byte pipes in memory with
// the behaviour of TCP that HTTP/2 relies on (buffered writes, half the
// pipe closing, deadlines). The provider's endpoint listens here instead of
// on TCP when its address was claimed with Claim, and the consumer dials
// here when a listener has the address it dials.
package memnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

var (
	mu        sync.Mutex
	claimed   = map[string]bool{}      // addresses to serve in memory
	listeners = map[string]*Listener{} // and those now served
)

// Claim marks addr (host:port) as served in memory: Listen on it makes an
// in-memory listener. A claim is for the life of the process, so that a
// dial to a server that has stopped is refused in memory rather than sent
// to the network.
func Claim(addr string) error {
	mu.Lock()
	defer mu.Unlock()
	if claimed[addr] {
		return fmt.Errorf("memnet: %s is already claimed", addr)
	}
	claimed[addr] = true
	return nil
}

// Claimed reports whether addr is to be served in memory.
func Claimed(addr string) bool {
	mu.Lock()
	defer mu.Unlock()
	return claimed[addr]
}

// Listen returns an in-memory listener at a claimed addr.
func Listen(addr string) (*Listener, error) {
	mu.Lock()
	defer mu.Unlock()
	if !claimed[addr] {
		return nil, fmt.Errorf("memnet: %s is not claimed", addr)
	}
	if listeners[addr] != nil {
		return nil, fmt.Errorf("memnet: listen on %s: address already in use", addr)
	}
	l := &Listener{addr: Addr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	listeners[addr] = l
	return l, nil
}

// ErrRefused is what Dial returns for a claimed address that no listener
// serves (the provider is not up, or has stopped): TCP's refused connect.
var ErrRefused = errors.New("memnet: connection refused")

// Dial connects to the in-memory listener at addr. ok is false when addr
// is not claimed: the caller dials TCP. It blocks until the listener
// accepts, ctx ends, or the listener closes.
func Dial(ctx context.Context, addr string) (c net.Conn, ok bool, err error) {
	mu.Lock()
	l, isClaimed := listeners[addr], claimed[addr]
	mu.Unlock()
	if !isClaimed {
		return nil, false, nil
	}
	if l == nil {
		return nil, true, fmt.Errorf("dial %s: %w", addr, ErrRefused)
	}
	client, server := Pipe(Addr("client:"+addr), Addr(addr))
	select {
	case l.conns <- server:
		return client, true, nil
	case <-l.done:
		return nil, true, fmt.Errorf("dial %s: %w", addr, ErrRefused)
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
}

// Listener is an in-memory net.Listener.
type Listener struct {
	addr  Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// Accept waits for the next Dial; after Close it returns net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting and frees the address; open connections go on.
func (l *Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		mu.Lock()
		if listeners[string(l.addr)] == l {
			delete(listeners, string(l.addr))
		}
		mu.Unlock()
	})
	return nil
}

// Addr returns the listener's address.
func (l *Listener) Addr() net.Addr { return l.addr }

// Addr is an in-memory address.
type Addr string

// Network implements net.Addr.
func (Addr) Network() string { return "memnet" }

func (a Addr) String() string { return string(a) }
