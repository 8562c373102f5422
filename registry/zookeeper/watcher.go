package zookeeper

import (
	"errors"
	"sync"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/registry"
	"dubbo.apache.org/dubbo-go/v3/remoting"
	"github.com/dubbogo/go-zookeeper/zk"
	gxzookeeper "github.com/dubbogo/gost/database/kv/zk"
	"github.com/dubbogo/gost/log/logger"
)

// Retry delays after a failed listing (Zookeeper unreachable).
const (
	minRetry = 200 * time.Millisecond
	maxRetry = 3 * time.Second
)

var errListenerClosed = errors.New("zookeeper registry: listener closed")

// watcher is one subscription: a goroutine (run) that lists and watches
// the providers folder and turns differences into ServiceEvents, and the
// registry.Listener that BaseRegistry.Subscribe reads them from.
//
// Next is for a single reader; Close and poke may be called from any
// goroutine. The known and rejected sets belong to the run goroutine.
type watcher struct {
	r      *zkRegistry
	client *gxzookeeper.ZookeeperClient
	sub    *common.URL // the consumer's subscribe URL; not modified
	dir    string      // /dubbo/<service>/providers

	queue     eventQueue
	pokeC     chan struct{} // capacity 1: "list again now"
	closed    chan struct{}
	closeOnce sync.Once

	known    map[string]*common.URL // child name -> delivered provider URL
	rejected map[string]bool        // child names already logged as bad
}

//lint:ignore SA1019 BaseRegistry's facade in dubbo-go v3.3.2 still takes a registry.Listener
var _ registry.Listener = (*watcher)(nil)

func newWatcher(r *zkRegistry, c *gxzookeeper.ZookeeperClient, sub *common.URL, dir string) *watcher {
	w := &watcher{
		r:        r,
		client:   c,
		sub:      sub,
		dir:      dir,
		pokeC:    make(chan struct{}, 1),
		closed:   make(chan struct{}),
		known:    make(map[string]*common.URL),
		rejected: make(map[string]bool),
	}
	w.queue.ready = make(chan struct{}, 1)
	return w
}

// Next blocks until a provider is added or removed, and returns that event.
// It fails once the watcher is closed or the registry destroyed.
func (w *watcher) Next() (*registry.ServiceEvent, error) {
	return w.queue.pop(w.closed, w.r.Done())
}

// Close stops the subscription. Events not yet read are dropped.
func (w *watcher) Close() {
	w.closeOnce.Do(func() { close(w.closed) })
}

// poke asks run to list the providers again without waiting for a watch.
func (w *watcher) poke() {
	select {
	case w.pokeC <- struct{}{}:
	default:
	}
}

func (w *watcher) run() {
	defer w.r.wg.Done()
	retry := minRetry
	for {
		children, watch, err := w.list()
		if err != nil {
			// Zookeeper is unreachable or the session is being replaced:
			// keep the providers we know and try again.
			logger.Warnf("[Registry][streamx-zookeeper] list %s: %v (keeping %d known providers)", w.dir, err, len(w.known))
			if !w.wait(nil, retry) {
				return
			}
			retry = min(retry*2, maxRetry)
			continue
		}
		retry = minRetry
		w.reconcile(children)
		if !w.wait(watch, w.r.resync) {
			return
		}
	}
}

// list returns the children of dir and a channel that fires when they (or,
// while dir does not exist, its existence) change. A missing dir means no
// providers yet.
func (w *watcher) list() ([]string, <-chan zk.Event, error) {
	children, watch, err := w.client.GetChildrenW(w.dir)
	if err == nil {
		return children, watch, nil
	}
	if !errors.Is(err, zk.ErrNoNode) {
		return nil, nil, err
	}
	w.client.RLock()
	conn := w.client.Conn
	w.client.RUnlock()
	if conn == nil {
		return nil, nil, gxzookeeper.ErrNilZkClientConn
	}
	exists, _, ew, err := conn.ExistsW(w.dir)
	if err != nil {
		return nil, nil, err
	}
	if exists {
		// Created in between: list again at once.
		ch := make(chan zk.Event, 1)
		ch <- zk.Event{Type: zk.EventNodeCreated, Path: w.dir}
		return nil, ch, nil
	}
	return nil, ew.EvtCh, nil
}

// wait returns true when it is time to list again (watch fired, poke,
// timeout) and false when the watcher is closed.
func (w *watcher) wait(watch <-chan zk.Event, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-watch: // nil while retrying: never fires
	case <-w.pokeC:
	case <-t.C:
	case <-w.closed:
		return false
	case <-w.r.Done():
		return false
	}
	return true
}

// reconcile turns the difference between the known providers and children
// into Add and Del events.
func (w *watcher) reconcile(children []string) {
	next := make(map[string]*common.URL, len(children))
	rejected := make(map[string]bool)
	var events []*registry.ServiceEvent
	for _, c := range children {
		if u, ok := w.known[c]; ok {
			next[c] = u
			continue
		}
		if w.rejected[c] {
			rejected[c] = true
			continue
		}
		u, err := normalizeProvider(c)
		if err != nil {
			logger.Warnf("[Registry][streamx-zookeeper] skip malformed provider node %s/%s: %v", w.dir, c, err)
			rejected[c] = true
			continue
		}
		if !matchesSubscription(u, w.sub) {
			// Another group or version of the service: not ours, quietly.
			rejected[c] = true
			continue
		}
		next[c] = u
		events = append(events, &registry.ServiceEvent{Action: remoting.EventTypeAdd, Service: u.Clone()})
	}
	for c, u := range w.known {
		if _, ok := next[c]; !ok {
			events = append(events, &registry.ServiceEvent{Action: remoting.EventTypeDel, Service: u.Clone()})
		}
	}
	w.known, w.rejected = next, rejected
	w.queue.push(events...)
}

// eventQueue is an unbounded FIFO so that the watch goroutine never blocks
// on a slow reader. Safe for one reader and any number of writers.
type eventQueue struct {
	mu    sync.Mutex
	items []*registry.ServiceEvent
	ready chan struct{} // capacity 1: items may be non-empty
}

func (q *eventQueue) push(evs ...*registry.ServiceEvent) {
	if len(evs) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, evs...)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *eventQueue) pop(closed, done <-chan struct{}) (*registry.ServiceEvent, error) {
	for {
		select {
		case <-closed:
			return nil, errListenerClosed
		case <-done:
			return nil, errListenerClosed
		default:
		}
		q.mu.Lock()
		if len(q.items) > 0 {
			ev := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.mu.Unlock()
			return ev, nil
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-closed:
			return nil, errListenerClosed
		case <-done:
			return nil, errListenerClosed
		}
	}
}
