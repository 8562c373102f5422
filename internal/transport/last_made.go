package transport

import "sync/atomic"

// lastMade keeps the value made for the last key asked.
type lastMade[K comparable, V any] struct{ p atomic.Pointer[made[K, V]] }

type made[K comparable, V any] struct {
	k K
	v V
}

// get returns the value for k, made by mk unless k was the last key.
func (m *lastMade[K, V]) get(k K, mk func(K) V) V {
	if e := m.p.Load(); e != nil && e.k == k {
		return e.v
	}
	e := &made[K, V]{k, mk(k)}
	m.p.Store(e)
	return e.v
}
