package zookeeper

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/registry"
	// Imported so that dubbo-go's init, which registers its own "zookeeper"
	// registry and the zookeeper service discovery, runs before ours.
	_ "dubbo.apache.org/dubbo-go/v3/registry/zookeeper"
	dubbozk "dubbo.apache.org/dubbo-go/v3/remoting/zookeeper"
	"github.com/dubbogo/go-zookeeper/zk"
	gxzookeeper "github.com/dubbogo/gost/database/kv/zk"
	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// Name is the registry name this package registers: the same as dubbo-go's
// Zookeeper registry, which it replaces.
const Name = "zookeeper"

func init() {
	extension.SetRegistry(Name, NewRegistry)
}

// maxResync caps how long a subscription trusts its watch before listing
// the providers again, as dubbo-go's registry does.
const maxResync = 20 * time.Second

// NewRegistry connects to the Zookeeper ensemble in regURL (Location,
// timeout parameter as in dubbo-go) and returns a registry that registers
// like dubbo-go's and discovers dubbo-go, Java and dubbo-python providers.
// The registry owns its client and goroutines until Destroy.
func NewRegistry(regURL *common.URL) (registry.Registry, error) {
	if regURL == nil {
		return nil, errors.New("zookeeper registry: nil registry URL")
	}
	r := &zkRegistry{
		subs:   make(map[*common.URL]*watcher),
		resync: maxResync,
	}
	ttl, err := settings.ParseDuration(constant.RegistryTTLKey, regURL.GetParam(constant.RegistryTTLKey, constant.DefaultRegTTL))
	if err != nil {
		return nil, fmt.Errorf("zookeeper registry: %w", err)
	}
	r.resync = min(r.resync, ttl)
	logger.Infof("[Registry][streamx-zookeeper] new registry, url=%s", regURL.Location)
	r.InitBaseRegistry(regURL, r)
	// Same client construction as dubbo-go's registry (shared per address).
	if err := dubbozk.ValidateZookeeperClient(r, regURL.Location); err != nil {
		return nil, err
	}
	r.WaitGroup().Add(1)
	go r.watchSession()
	return r, nil
}

// zkRegistry implements registry.FacadeBasedRegistry; BaseRegistry turns
// URLs into node paths and calls back into it. All methods are safe for
// concurrent use.
type zkRegistry struct {
	registry.BaseRegistry

	// cltLock serialises client creation and node writes, as in dubbo-go's
	// registry; client is atomic because ValidateZookeeperClient calls
	// ZkClient while holding cltLock.
	cltLock sync.Mutex
	client  atomic.Pointer[gxzookeeper.ZookeeperClient]

	resync time.Duration // longest a subscription trusts its watch
	nodes  nodeSession   // which session owns the nodes we registered

	mu     sync.Mutex
	subs   map[*common.URL]*watcher // keyed by the URL given to Subscribe
	closed bool
	wg     sync.WaitGroup // watcher goroutines
}

var _ registry.FacadeBasedRegistry = (*zkRegistry)(nil)

// ZkClient, SetZkClient and ZkClientLock make zkRegistry a
// dubbozk.ZkClientFacade for ValidateZookeeperClient.

// ZkClient returns the Zookeeper client, nil after Destroy.
func (r *zkRegistry) ZkClient() *gxzookeeper.ZookeeperClient { return r.client.Load() }

// SetZkClient replaces the client; the caller holds ZkClientLock.
func (r *zkRegistry) SetZkClient(c *gxzookeeper.ZookeeperClient) { r.client.Store(c) }

// ZkClientLock is the lock guarding the client.
func (r *zkRegistry) ZkClientLock() *sync.Mutex { return &r.cltLock }

// root returns the registry group node, "dubbo" unless configured.
func (r *zkRegistry) root() string {
	return r.GetParam(constant.RegistryGroupKey, constant.Dubbo)
}

// CreatePath creates p and its parents; an existing node is fine.
func (r *zkRegistry) CreatePath(p string) error {
	c := r.ZkClient()
	if c == nil {
		return errClientClosed
	}
	if err := c.Create(p); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return err
	}
	return nil
}

var errClientClosed = errors.New("zookeeper registry: client closed")

// DoRegister creates the ephemeral node root/node, replacing a leftover
// one, exactly as dubbo-go's registry does.
func (r *zkRegistry) DoRegister(root, node string) (err error) {
	r.cltLock.Lock()
	defer r.cltLock.Unlock()
	c := r.client.Load()
	if c == nil {
		return errClientClosed
	}
	logger.Infof("[Registry][streamx-zookeeper] register root=%s node=%s", root, node)
	if err := c.Create(root); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("zookeeper registry: create %s: %w", root, err)
	}
	before := clientSession(c)
	defer func() {
		if err == nil {
			r.nodes.wrote(before, clientSession(c))
		}
	}()
	p, err := c.RegisterTemp(root, node)
	if err == nil {
		return nil
	}
	if errors.Is(err, zk.ErrNodeExists) {
		// A node from our previous session may linger until it expires.
		if err = c.Delete(p); err == nil || errors.Is(err, zk.ErrNoNode) {
			_, err = c.RegisterTemp(root, node)
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("zookeeper registry: register %s/%s: %w", root, node, err)
}

// clientSession returns c's current session id, 0 when it has none.
func clientSession(c *gxzookeeper.ZookeeperClient) int64 {
	c.RLock()
	conn := c.Conn
	c.RUnlock()
	if conn == nil {
		return 0
	}
	return conn.SessionID()
}

// DoUnregister deletes root/node.
func (r *zkRegistry) DoUnregister(root, node string) error {
	r.cltLock.Lock()
	defer r.cltLock.Unlock()
	c := r.client.Load()
	if c == nil || !c.ZkConnValid() {
		return errors.New("zookeeper registry: client is not connected")
	}
	return c.Delete(path.Join(root, node))
}

// DoSubscribe starts watching the providers of conf's service. The returned
// listener is owned by BaseRegistry.Subscribe, which reads it until it is
// closed.
//
//lint:ignore SA1019 BaseRegistry's facade in dubbo-go v3.3.2 still takes a registry.Listener
func (r *zkRegistry) DoSubscribe(conf *common.URL) (registry.Listener, error) {
	if conf == nil {
		return nil, errors.New("zookeeper registry: nil subscribe URL")
	}
	c := r.ZkClient()
	if c == nil {
		return nil, errClientClosed
	}
	dir := fmt.Sprintf("/%s/%s/%s", r.root(), url.QueryEscape(conf.Service()), constant.DefaultCategory)
	w := newWatcher(r, c, conf, dir)

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("zookeeper registry: destroyed")
	}
	if old := r.subs[conf]; old != nil {
		old.Close()
	}
	r.subs[conf] = w
	r.wg.Add(1)
	go w.run()
	return w, nil
}

// DoUnsubscribe detaches the subscription made with conf (the same URL
// value, else the first with the same service key) and returns it for the
// caller to close.
//
//lint:ignore SA1019 as DoSubscribe
func (r *zkRegistry) DoUnsubscribe(conf *common.URL) (registry.Listener, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.subs[conf]
	key := conf
	if w == nil && conf != nil {
		for k, v := range r.subs {
			if k.ServiceKey() == conf.ServiceKey() {
				key, w = k, v
				break
			}
		}
	}
	if w == nil {
		return nil, fmt.Errorf("zookeeper registry: %v is not subscribed", conf)
	}
	delete(r.subs, key)
	return w, nil
}

// LoadSubscribeInstances does nothing: subscriptions deliver the current
// providers as their first events.
func (r *zkRegistry) LoadSubscribeInstances(*common.URL, registry.NotifyListener) error {
	return nil
}

// CloseListener stops every subscription; it is the first step of Destroy.
func (r *zkRegistry) CloseListener() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	for k, w := range r.subs {
		w.Close()
		delete(r.subs, k)
	}
}

// InitListeners asks every subscription to list its providers again. It
// is called by BaseRegistry.RestartCallBack after a new session.
func (r *zkRegistry) InitListeners() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.subs {
		w.poke()
	}
}

// CloseAndNilClient releases the client and waits for the watcher
// goroutines, which end once the client's pending requests fail.
func (r *zkRegistry) CloseAndNilClient() {
	if c := r.client.Swap(nil); c != nil {
		c.Close()
	}
	r.wg.Wait()
}
