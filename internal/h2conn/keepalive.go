package h2conn

import (
	"fmt"
	"sync/atomic"
	"time"
)

// PingData is the payload of keepalive pings.
var PingData = [8]byte{'s', 't', 'r', 'e', 'a', 'm', 'x'}

// Keepalive sends a ping (with ping) when a connection has been silent
// (nothing read) for about every, and calls dead if no frame arrives
// within timeout after it. It returns when done is closed, a ping cannot
// be written, or after dead. frames counts the frames read: the reader
// adds to it, which is cheaper than reading the clock for every frame.
// Silence is noticed every/3 late at most.
func Keepalive(done <-chan struct{}, frames *atomic.Int64, every, timeout time.Duration, ping func() error, dead func(error)) {
	t := time.NewTicker(every / 3)
	defer t.Stop()
	seen, quietSince := frames.Load(), time.Now()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if n := frames.Load(); n != seen {
			seen, quietSince = n, time.Now()
			continue
		}
		if time.Since(quietSince) < every {
			continue
		}
		if ping() != nil {
			return
		}
		select {
		case <-done:
			return
		case <-time.After(timeout):
		}
		if frames.Load() == seen {
			dead(fmt.Errorf("no answer to a ping in %v", timeout))
			return
		}
	}
}
