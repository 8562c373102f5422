package h2

import "time"

// rate allows n events per second, in bursts of up to n: a token bucket
// refilled continuously. The reader's goroutine only; the clock is read
// only when an event happens, and events it bounds are rare on a healthy
// connection (SETTINGS, resets).
type rate struct {
	n      int
	tokens float64
	last   time.Time
}

// allow takes a token and reports whether there was one.
func (r *rate) allow() bool {
	now := time.Now()
	if r.last.IsZero() {
		r.tokens = float64(r.n)
	} else {
		r.tokens = min(float64(r.n), r.tokens+now.Sub(r.last).Seconds()*float64(r.n))
	}
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}

// pings polices the peer's PINGs as grpc-go does: a PING sooner than
// minInterval after the previous one, with nothing sent by us in between,
// is a strike; one strike more than allowed ends the connection. Pings
// that follow our data (a peer measuring bandwidth, or keeping a busy
// connection alive) are never strikes.
type pings struct {
	minInterval time.Duration
	maxStrikes  int
	last        time.Time
	strikes     int
}

// ok records a PING; sent tells whether we sent DATA or HEADERS since the
// previous one.
func (p *pings) ok(sent bool) bool {
	now := time.Now()
	if sent {
		p.strikes = 0
	} else if !p.last.IsZero() && now.Sub(p.last) < p.minInterval {
		p.strikes++
	}
	p.last = now
	return p.strikes <= p.maxStrikes
}
