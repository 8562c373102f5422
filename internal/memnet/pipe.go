package memnet

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Pipe returns the two ends of an in-memory connection. Unlike net.Pipe,
// writes do not wait for the reader: each direction is a buffer, as a TCP
// connection has kernel buffers, so that two HTTP/2 engines writing to each
// other at once (SETTINGS, PING acks) cannot block each other. The
// buffers are unbounded; HTTP/2 flow control bounds what a peer sends.
func Pipe(a, b net.Addr) (net.Conn, net.Conn) {
	ab, ba := newBuffer(), newBuffer()
	return &conn{r: ba, w: ab, local: a, remote: b}, &conn{r: ab, w: ba, local: b, remote: a}
}

// buffer is one direction of a pipe.
type buffer struct {
	mu       sync.Mutex
	cond     sync.Cond
	data     []byte
	closed   bool      // the writer closed: EOF once drained
	broken   bool      // the reader closed: writes fail
	deadline time.Time // the reader's
	timer    *time.Timer
}

func newBuffer() *buffer {
	b := &buffer{}
	b.cond.L = &b.mu
	return b
}

func (b *buffer) read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.data) == 0 {
		switch {
		case b.broken:
			return 0, net.ErrClosed
		case b.closed:
			return 0, io.EOF
		case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
			return 0, os.ErrDeadlineExceeded
		}
		b.cond.Wait()
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	if len(b.data) == 0 {
		b.data = nil // let a large drained buffer go
	}
	return n, nil
}

func (b *buffer) write(p []byte, deadline time.Time) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, net.ErrClosed
	case b.broken:
		return 0, io.ErrClosedPipe
	case !deadline.IsZero() && !time.Now().Before(deadline):
		return 0, os.ErrDeadlineExceeded
	}
	b.data = append(b.data, p...)
	b.cond.Broadcast()
	return len(p), nil
}

func (b *buffer) setDeadline(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deadline = t
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if !t.IsZero() {
		b.timer = time.AfterFunc(time.Until(t), func() {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		})
	}
	b.cond.Broadcast()
}

func (b *buffer) close(reader bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if reader {
		b.broken = true
		b.data = nil
	} else {
		b.closed = true
	}
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.cond.Broadcast()
}

// conn is one end of a pipe.
type conn struct {
	r, w          *buffer
	local, remote net.Addr

	mu            sync.Mutex
	writeDeadline time.Time
	once          sync.Once
}

func (c *conn) Read(p []byte) (int, error) { return c.r.read(p) }

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	d := c.writeDeadline
	c.mu.Unlock()
	return c.w.write(p, d)
}

// Close ends both directions: the peer reads EOF after what was written,
// and its writes fail.
func (c *conn) Close() error {
	c.once.Do(func() {
		c.w.close(false)
		c.r.close(true)
	})
	return nil
}

// CloseWrite ends our direction only, as TCP's half-close does: the peer
// reads EOF after what was written, and its writes still reach our reads.
// A graceful HTTP/2 close (internal/h2) relies on it to read what the peer
// still sends instead of failing its writes.
func (c *conn) CloseWrite() error {
	c.w.close(false)
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	_ = c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.r.setDeadline(t)
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return nil
}
