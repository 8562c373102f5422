package h2conn

import (
	"fmt"
	"sync/atomic"
	"time"
)

// PingData is the payload of keepalive pings.
var PingData = [8]byte{'s', 't', 'r', 'e', 'a', 'm', 'x'}

// Keepalive sends a ping (with ping) when a connection has been silent
// (nothing read) for every, and calls dead if no frame arrives within
// timeout after it. It returns when done is closed, a ping cannot be
// written, or after dead. lastRead holds the time of the last frame read,
// in Unix nanoseconds.
func Keepalive(done <-chan struct{}, lastRead *atomic.Int64, every, timeout time.Duration, ping func() error, dead func(error)) {
	t := time.NewTicker(every / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, lastRead.Load())) < every {
			continue
		}
		sent := time.Now()
		if ping() != nil {
			return
		}
		select {
		case <-done:
			return
		case <-time.After(timeout):
		}
		if time.Unix(0, lastRead.Load()).Before(sent) {
			dead(fmt.Errorf("no answer to a ping in %v", timeout))
			return
		}
	}
}
