package zookeeper

import (
	"sync"
	"time"

	"github.com/dubbogo/go-zookeeper/zk"
	"github.com/dubbogo/gost/log/logger"
)

// sessionPoll is how often watchSession looks at the connection state.
const sessionPoll = 250 * time.Millisecond

// nodeSession remembers which Zookeeper session owns the ephemeral nodes
// this registry wrote. Safe for concurrent use.
type nodeSession struct {
	mu    sync.Mutex
	id    int64 // owner of the nodes written so far; 0: none yet
	stale bool  // some node's owner is unknown or differs: write them again
}

// wrote records that a node was created; before and after are the client's
// session ids around the create.
func (s *nodeSession) wrote(before, after int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if before == 0 || before != after || (s.id != 0 && s.id != after) {
		s.stale = true
	}
	s.id = after
}

// needsRewrite reports whether the nodes must be written again because the
// client now has session current; it resets the record when so.
func (s *nodeSession) needsRewrite(current int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stale && (s.id == 0 || s.id == current) {
		return false
	}
	s.id, s.stale = 0, false
	return true
}

func (s *nodeSession) markStale() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stale = true
}

// watchSession runs for the registry's lifetime (in BaseRegistry's
// WaitGroup, so Destroy waits for it before dropping the registered set).
//
// When the client has a session other than the one that owns our ephemeral
// nodes, that session expired and took the nodes with it: write them again.
// After any reconnection, ask subscriptions to list again in case a watch
// was lost. It polls atomic state rather than reading the gost client's
// Reconnect channel, which the client replaces without synchronisation.
func (r *zkRegistry) watchSession() {
	defer r.WaitGroup().Done()
	t := time.NewTicker(sessionPoll)
	defer t.Stop()
	connected := true
	for {
		select {
		case <-r.Done():
			return
		case <-t.C:
		}
		c := r.ZkClient()
		if c == nil {
			return
		}
		c.RLock()
		conn := c.Conn
		c.RUnlock()
		if conn == nil {
			continue
		}
		if conn.State() != zk.StateHasSession {
			connected = false
			continue
		}
		id := conn.SessionID()
		switch {
		case r.nodes.needsRewrite(id):
			logger.Warnf("[Registry][streamx-zookeeper] session 0x%x does not own our nodes (the old one expired): registering again", id)
			if !r.RestartCallBack() { // re-registers, then InitListeners
				r.nodes.markStale() // try again on the next tick
				continue
			}
		case !connected:
			logger.Infof("[Registry][streamx-zookeeper] reconnected, session 0x%x", id)
			r.InitListeners()
		}
		connected = true
	}
}
