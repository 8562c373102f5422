package zookeeper

import (
	"time"

	"github.com/dubbogo/go-zookeeper/zk"
	"github.com/dubbogo/gost/log/logger"
)

// sessionPoll is how often watchSession looks at the connection state.
const sessionPoll = 250 * time.Millisecond

// watchSession runs for the registry's lifetime (in BaseRegistry's
// WaitGroup, so Destroy waits for it before dropping the registered set).
//
// When the client comes back with a new session, the old one expired and
// took our ephemeral nodes with it: register them again. After any
// reconnection, ask subscriptions to list again, in case a watch was lost.
// It polls atomic state rather than reading the gost client's Reconnect
// channel, which the client replaces without synchronisation.
func (r *zkRegistry) watchSession() {
	defer r.WaitGroup().Done()
	t := time.NewTicker(sessionPoll)
	defer t.Stop()
	var lastID int64
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
		case lastID != 0 && id != lastID:
			logger.Warnf("[Registry][streamx-zookeeper] new session 0x%x (was 0x%x): registering again", id, lastID)
			if !r.RestartCallBack() { // re-registers, then InitListeners
				// Try again on the next tick.
				continue
			}
		case !connected:
			logger.Infof("[Registry][streamx-zookeeper] reconnected, session 0x%x", id)
			r.InitListeners()
		}
		lastID = id
		connected = true
	}
}
