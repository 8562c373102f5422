package h2

import (
	"fmt"
	"time"
)

// PingData is the payload of keepalive pings.
var PingData = [8]byte{'s', 't', 'r', 'e', 'a', 'm', 'x'}

// watch runs the connection's timers on one goroutine until it dies:
//   - keepalive: after Lim.KeepaliveInterval with nothing read, a PING;
//     no frame within Lim.KeepaliveTimeout after it closes the connection;
//   - write timeout: a write to the peer in flight, without progress, for
//     Lim.WriteTimeout closes the connection (a peer that does not read
//     holds no more than the writer's bounded buffer, and not for ever);
//   - idle (a provider's): no stream for Lim.IdleTimeout calls Side.Idle.
//
// It reads the frame counter the reader keeps rather than the clock per
// frame; everything is noticed a tick late at most.
func (c *Conn[S]) watch() {
	tick := min(c.lim.KeepaliveInterval, c.lim.KeepaliveTimeout, c.lim.WriteTimeout)
	if c.server {
		tick = min(tick, c.lim.IdleTimeout)
	}
	tick = max(tick/4, 10*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()

	now := time.Now()
	seen, quietSince := c.frames.Load(), now
	var pingSent time.Time // zero: no keepalive ping outstanding
	_, rounds := c.w.Progress()
	stuckSince := time.Time{}
	idleSince := now
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		now := time.Now()

		if n := c.frames.Load(); n != seen {
			seen, quietSince, pingSent = n, now, time.Time{}
		} else if !pingSent.IsZero() {
			if now.Sub(pingSent) >= c.lim.KeepaliveTimeout {
				c.Close(fmt.Errorf("%w: no answer from the %s to a ping in %v", c.closed, c.peerRole, c.lim.KeepaliveTimeout))
				return
			}
		} else if now.Sub(quietSince) >= c.lim.KeepaliveInterval {
			pingSent = now
			if c.Write(func() error { return c.fr.WritePing(false, PingData) }, true) != nil {
				return
			}
		}

		writing, r := c.w.Progress()
		switch {
		case !writing || r != rounds:
			rounds, stuckSince = r, time.Time{}
		case stuckSince.IsZero():
			stuckSince = now
		case now.Sub(stuckSince) >= c.lim.WriteTimeout-tick:
			// The tick that noticed it stood for one tick already.
			c.Close(fmt.Errorf("%w: the %s has not read what was sent for %v", c.closed, c.peerRole, c.lim.WriteTimeout))
			return
		}

		if c.server {
			c.mu.Lock()
			busy := len(c.streams) > 0
			c.mu.Unlock()
			if busy {
				idleSince = now
			} else if now.Sub(idleSince) >= c.lim.IdleTimeout {
				c.side.Idle()
				idleSince = now
			}
		}
	}
}
