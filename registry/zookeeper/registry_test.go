package zookeeper

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/registry"
	"dubbo.apache.org/dubbo-go/v3/remoting"
	"github.com/dubbogo/go-zookeeper/zk"
	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
)

const eventWait = 15 * time.Second

// checkLeaks verifies, after every other cleanup of the test (servers,
// registry, clients) has run, that no goroutine started during the test
// is left. Goroutines that existed before (dubbo-go's init-time ones,
// other tests' finished helpers) are ignored.
func checkLeaks(t *testing.T) {
	opts := []goleak.Option{
		goleak.IgnoreCurrent(),
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		goleak.VerifyNone(t, opts...)
	})
}

// recorder is a registry.NotifyListener that keeps the current providers
// by address. Safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	byAddr map[string]*common.URL
	dels   int
	log    []string
}

var _ registry.NotifyListener = (*recorder)(nil)

func newRecorder() *recorder { return &recorder{byAddr: map[string]*common.URL{}} }

func (r *recorder) Notify(e *registry.ServiceEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf("%s %s", e.Action, e.Service))
	switch e.Action {
	case remoting.EventTypeAdd, remoting.EventTypeUpdate:
		r.byAddr[e.Service.Location] = e.Service
	case remoting.EventTypeDel:
		delete(r.byAddr, e.Service.Location)
		r.dels++
	}
}

func (r *recorder) NotifyAll(evs []*registry.ServiceEvent, done func()) {
	for _, e := range evs {
		r.Notify(e)
	}
	if done != nil {
		done()
	}
}

func (r *recorder) get(addr string) *common.URL {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byAddr[addr]
}

func (r *recorder) count() (providers, dels int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byAddr), r.dels
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "\n")
}

// newRegistry builds the registry the way dubbo-go does, by name.
// params are extra key, value pairs for the registry URL.
func newRegistry(t *testing.T, addr string, params ...string) registry.Registry {
	t.Helper()
	var opts []common.Option
	for i := 0; i+1 < len(params); i += 2 {
		opts = append(opts, common.WithParamsValue(params[i], params[i+1]))
	}
	u, err := common.NewURL("registry://"+addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := extension.GetRegistry(Name, u)
	if err != nil {
		t.Fatalf("GetRegistry(%q): %v", Name, err)
	}
	if _, ok := reg.(*zkRegistry); !ok {
		t.Fatalf("GetRegistry(%q) returned %T, want this package's registry", Name, reg)
	}
	return reg
}

func consumerURL(t *testing.T, service, params string) *common.URL {
	t.Helper()
	u, err := common.NewURL("consumer://127.0.0.1/" + service + "?interface=" + service +
		"&category=providers&side=consumer" + params)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// subscribe runs reg.Subscribe as dubbo-go's directory does (it blocks
// until the subscription ends) and ends it at cleanup.
func subscribe(t *testing.T, reg registry.Registry, sub *common.URL) *recorder {
	t.Helper()
	rec := newRecorder()
	done := make(chan error, 1)
	go func() { done <- reg.Subscribe(sub, rec) }()
	t.Cleanup(func() {
		if reg.IsAvailable() {
			_ = reg.UnSubscribe(sub, rec)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("Subscribe did not return after UnSubscribe")
		}
	})
	return rec
}

// pyClient writes provider nodes the way dubbo-python 3.0.0b1 does, on its
// own Zookeeper session.
type pyClient struct {
	t         *testing.T
	conn      *zk.Conn
	closeOnce sync.Once
}

// close ends the session, as a dubbo-python process exiting does.
func (c *pyClient) close() { c.closeOnce.Do(c.conn.Close) }

func newPyClient(t *testing.T, addr string) *pyClient {
	t.Helper()
	conn, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	c := &pyClient{t: t, conn: conn}
	t.Cleanup(c.close)
	return c
}

// pyNode is dubbo-python's child name: quote("tri://127.0.0.1:PORT?service=S", safe="").
func pyNode(service string, port int) string {
	return fmt.Sprintf("tri%%3A%%2F%%2F127.0.0.1%%3A%d%%3Fservice%%3D%s", port, service)
}

func providersDir(service string) string { return "/dubbo/" + service + "/providers" }

// register creates the ephemeral node (data "host:port", as dubbo-python),
// making the parents like kazoo's makepath.
func (c *pyClient) register(service string, port int) string {
	c.t.Helper()
	dir := providersDir(service)
	p := ""
	for _, part := range strings.Split(strings.TrimPrefix(dir, "/"), "/") {
		p += "/" + part
		if _, err := c.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			c.t.Fatalf("create %s: %v", p, err)
		}
	}
	node := dir + "/" + pyNode(service, port)
	data := []byte(fmt.Sprintf("127.0.0.1:%d", port))
	if _, err := c.conn.Create(node, data, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		c.t.Fatalf("create %s: %v", node, err)
	}
	return node
}

func (c *pyClient) create(node string, ephemeral bool) {
	c.t.Helper()
	var flags int32
	if ephemeral {
		flags = zk.FlagEphemeral
	}
	if _, err := c.conn.Create(node, nil, flags, zk.WorldACL(zk.PermAll)); err != nil {
		c.t.Fatalf("create %s: %v", node, err)
	}
}

func (c *pyClient) delete(node string) {
	c.t.Helper()
	if err := c.conn.Delete(node, -1); err != nil {
		c.t.Fatalf("delete %s: %v", node, err)
	}
}

func assertPythonProvider(t *testing.T, u *common.URL, service string, port int) {
	t.Helper()
	if u.Protocol != "tri" || u.Location != fmt.Sprintf("127.0.0.1:%d", port) ||
		u.Interface() != service || u.Path != "/"+service || u.GetParam("side", "") != "provider" {
		t.Errorf("delivered %s; want tri://127.0.0.1:%d/%s with interface=%s side=provider", u, port, service, service)
	}
}

func TestPythonProvidersDiscoveredAndRemoved(t *testing.T) {
	checkLeaks(t)
	z := testenv.StartZookeeper(t)
	py := newPyClient(t, z.Addr)
	reg := newRegistry(t, z.Addr)
	t.Cleanup(reg.Destroy)

	// Subscribed before the providers folder exists, as when the consumer
	// starts first.
	rec := subscribe(t, reg, consumerURL(t, greeter, ""))
	time.Sleep(300 * time.Millisecond)

	py.register(greeter, 50061)
	testenv.Eventually(t, eventWait, "first python provider", func() bool { return rec.get("127.0.0.1:50061") != nil })
	assertPythonProvider(t, rec.get("127.0.0.1:50061"), greeter, 50061)

	// Malformed and foreign children next to good ones: skipped, and they
	// do not hide the good one added after them.
	dir := providersDir(greeter)
	py.create(dir+"/not-a-url%ZZ", true)
	py.create(dir+"/"+url.QueryEscape("tri://127.0.0.1?service="+greeter), true)
	py.create(dir+"/"+url.QueryEscape("tri://127.0.0.1:50070/"+greeter+"?interface="+greeter+"&group=other"), true)
	second := py.register(greeter, 50062)
	testenv.Eventually(t, eventWait, "second python provider", func() bool { return rec.get("127.0.0.1:50062") != nil })
	assertPythonProvider(t, rec.get("127.0.0.1:50062"), greeter, 50062)
	if n, _ := rec.count(); n != 2 {
		t.Fatalf("providers = %d, want 2; events:\n%s", n, rec)
	}

	py.delete(second)
	testenv.Eventually(t, eventWait, "removal of the second provider", func() bool { return rec.get("127.0.0.1:50062") == nil })

	// The python process goes away: its session closes, its ephemeral nodes go.
	py.close()
	testenv.Eventually(t, eventWait, "removal of all providers", func() bool { n, _ := rec.count(); return n == 0 })
}

// TestGoProviderRegistration registers a dubbo-go provider through the
// registry and checks the node dubbo-python consumers will list, and that a
// second subscriber of this registry sees it too.
func TestGoProviderRegistration(t *testing.T) {
	checkLeaks(t)
	z := testenv.StartZookeeper(t)
	py := newPyClient(t, z.Addr)
	reg := newRegistry(t, z.Addr)
	t.Cleanup(reg.Destroy)

	provider, err := common.NewURL("tri://127.0.0.1:20055/"+greeter+"?interface="+greeter+
		"&methods=SayHello,SayHelloStream&side=provider&application=streamx-test",
		common.WithParamsValue(constant.RegistryRoleKey, "3"), common.WithMethods([]string{"SayHello", "SayHelloStream"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(provider); err != nil {
		t.Fatalf("Register: %v", err)
	}
	children, _, err := py.conn.Children(providersDir(greeter))
	if err != nil || len(children) != 1 {
		t.Fatalf("children of %s = %v, %v; want one node", providersDir(greeter), children, err)
	}
	raw, err := url.QueryUnescape(children[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "tri://127.0.0.1:20055/"+greeter+"?") ||
		!strings.Contains(raw, "interface="+greeter) || !strings.Contains(raw, "methods=SayHello,SayHelloStream") {
		t.Errorf("registered node %q does not look like dubbo-go's", raw)
	}

	rec := subscribe(t, reg, consumerURL(t, greeter, ""))
	testenv.Eventually(t, eventWait, "go provider", func() bool { return rec.get("127.0.0.1:20055") != nil })

	if err := reg.UnRegister(provider); err != nil {
		t.Fatalf("UnRegister: %v", err)
	}
	testenv.Eventually(t, eventWait, "go provider removed", func() bool { return rec.get("127.0.0.1:20055") == nil })
}

// TestZookeeperGoesAwayAndComesBack stops Zookeeper under a subscription
// and a registration, and checks that nothing is dropped while it is away
// and that changes flow again once it is back.
func TestZookeeperGoesAwayAndComesBack(t *testing.T) {
	checkLeaks(t)
	z := testenv.StartZookeeper(t)
	py := newPyClient(t, z.Addr)
	reg := newRegistry(t, z.Addr)
	t.Cleanup(reg.Destroy)

	first := py.register(greeter, 50061)
	provider, err := common.NewURL("tri://127.0.0.1:20056/"+greeter+"?interface="+greeter+"&side=provider",
		common.WithParamsValue(constant.RegistryRoleKey, "3"), common.WithMethods([]string{"SayHello"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(provider); err != nil {
		t.Fatalf("Register: %v", err)
	}
	rec := subscribe(t, reg, consumerURL(t, greeter, ""))
	testenv.Eventually(t, eventWait, "both providers", func() bool { n, _ := rec.count(); return n == 2 })

	z.Stop()
	time.Sleep(3 * time.Second) // several retry rounds of the watcher
	if n, dels := rec.count(); n != 2 || dels != 0 {
		t.Fatalf("while Zookeeper is down: providers=%d removals=%d, want 2 and 0; events:\n%s", n, dels, rec)
	}

	z.Restart()
	// Both sessions survive a quick restart (Zookeeper keeps them in its
	// data directory), so the nodes are still there; changes are seen again.
	testenv.Eventually(t, eventWait, "python client reconnected", func() bool { return py.conn.State() == zk.StateHasSession })
	py.register(greeter, 50063)
	testenv.Eventually(t, eventWait, "provider added after restart", func() bool { return rec.get("127.0.0.1:50063") != nil })
	py.delete(first)
	testenv.Eventually(t, eventWait, "provider removed after restart", func() bool { return rec.get("127.0.0.1:50061") == nil })
	if rec.get("127.0.0.1:20056") == nil {
		t.Fatalf("go provider lost across the restart; events:\n%s", rec)
	}
	children, _, err := py.conn.Children(providersDir(greeter))
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 2 {
		t.Errorf("nodes after restart = %v, want the go provider and the new python one", children)
	}
}

// TestSessionExpiryRegistersAgain cuts the registry off Zookeeper (which
// stays up) until its session expires and its nodes vanish; once it can
// connect again it must get a new session and create its provider node
// again, and its subscription must again list both providers.
func TestSessionExpiryRegistersAgain(t *testing.T) {
	checkLeaks(t)
	z := testenv.StartZookeeper(t)
	py := newPyClient(t, z.Addr)
	proxy := testenv.StartProxy(t, z.Addr)
	// Shortest session Zookeeper allows with tickTime 2s.
	reg := newRegistry(t, proxy.Addr, constant.ConfigTimeoutKey, "4s")
	t.Cleanup(reg.Destroy)

	py.register(greeter, 50061)
	provider, err := common.NewURL("tri://127.0.0.1:20057/"+greeter+"?interface="+greeter+"&side=provider",
		common.WithParamsValue(constant.RegistryRoleKey, "3"), common.WithMethods([]string{"SayHello"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(provider); err != nil {
		t.Fatalf("Register: %v", err)
	}
	rec := subscribe(t, reg, consumerURL(t, greeter, ""))
	testenv.Eventually(t, eventWait, "both providers", func() bool { n, _ := rec.count(); return n == 2 })

	goNodes := func() int {
		children, _, err := py.conn.Children(providersDir(greeter))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range children {
			if strings.Contains(c, "20057") {
				n++
			}
		}
		return n
	}
	proxy.Cut()
	testenv.Eventually(t, 20*time.Second, "the registry's session to expire", func() bool { return goNodes() == 0 })
	proxy.Heal()
	testenv.Eventually(t, eventWait, "the go provider node created again", func() bool { return goNodes() == 1 })
	testenv.Eventually(t, eventWait, "both providers listed again", func() bool {
		return rec.get("127.0.0.1:20057") != nil && rec.get("127.0.0.1:50061") != nil
	})
}
