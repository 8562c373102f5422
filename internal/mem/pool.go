// Package mem pools the byte buffers that messages are encoded into and
// gathered in, so that a busy stream of large messages does not allocate
// (and the collector does not sweep) a buffer per message.
//
// A buffer is owned by one party at a time: Get hands it to the caller,
// who either passes it on (a transport that takes ownership says so in its
// doc) or gives it back with Put. Nobody reads or writes a buffer after
// giving it away.
package mem

import (
	"sync"
	"sync/atomic"
)

// One pool per power-of-two capacity from 1 KiB up to 4 MiB (the default
// message size limit); larger buffers are allocated and dropped.
const (
	minShift = 10
	maxShift = 22
)

var pools [maxShift - minShift + 1]sync.Pool // *[]byte

// class returns the pool class of a buffer for n bytes, or -1.
func class(n int) int {
	for c := range len(pools) {
		if n <= 1<<(minShift+c) {
			return c
		}
	}
	return -1
}

// Get returns a buffer with room for n bytes: cap(*p) >= n, len(*p) is
// cap(*p). It may hold old bytes. The caller owns it.
func Get(n int) *[]byte {
	if poison.Load() {
		outstanding.Add(1)
	}
	c := class(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if p, ok := pools[c].Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 1<<(minShift+c))
	return &b
}

// Put gives p back; its bytes may be reused at once. p may be nil. A
// buffer Get did not make (its capacity is not a pool's) is dropped.
func Put(p *[]byte) {
	if p == nil {
		return
	}
	if poison.Load() {
		outstanding.Add(-1)
	}
	if c := class(cap(*p)); c >= 0 && cap(*p) == 1<<(minShift+c) {
		*p = (*p)[:cap(*p)]
		if poison.Load() {
			Poison(*p)
		}
		pools[c].Put(p)
	}
}

// poison makes Put overwrite every buffer it takes back, so that a test
// sees bytes used after they were given back.
var poison atomic.Bool

// outstanding counts Gets minus Puts while poisoning is on.
var outstanding atomic.Int64

// SetPoison turns the overwriting of returned buffers (and the count of
// Outstanding) on or off, for tests; it returns the previous setting.
func SetPoison(on bool) (was bool) { return poison.Swap(on) }

// Outstanding is how many buffers have been got and not given back
// while SetPoison was on: a test that got none before turning it on sees
// 0 once every buffer went back.
func Outstanding() int64 { return outstanding.Load() }

// Poison overwrites b with a byte no test message is made of.
func Poison(b []byte) {
	for i := range b {
		b[i] = 0xa5
	}
}
