package integrate_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dubbogo/go-zookeeper/zk"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// TestDiscoveryConsumerBeforeProvider: calls fail at once, clearly, while
// no provider is registered, and succeed once one registers.
func TestDiscoveryConsumerBeforeProvider(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 90*time.Second)

	start := time.Now()
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req("early"))
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "no provider") {
		t.Fatalf("call before any provider: %v, want a \"no provider\" error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the failing call took %v", d)
	}

	port := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	if err := greeter.WaitReady(ctx, conn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	discAllKinds(t, ctx, conn)
}

// TestDiscoveryTwoProviders: calls spread over both providers; when one
// stops, its open streams end with an error (no hang), the other's go on,
// and new calls all go to the other.
func TestDiscoveryTwoProviders(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	pa, pb := testenv.FreePort(t), testenv.FreePort(t)
	procA := discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, pa), pa)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, pb), pb)
	idA, idB := fmt.Sprint(pa), fmt.Sprint(pb)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 20*time.Second, "both nodes", func() bool { return zkHasPort(zc, pa) && zkHasPort(zc, pb) })

	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 2*time.Minute)
	seen := map[string]int{}
	testenv.Eventually(t, 30*time.Second, "calls reaching both providers", func() bool {
		if who, err := discWho(ctx, conn); err == nil {
			seen[who]++
		}
		return seen[idA] > 0 && seen[idB] > 0
	})
	t.Logf("calls per provider: %v", seen)

	// Long streams on both providers: "<id> <i>" every 100 ms for 60 s.
	type open struct {
		owner  string
		cancel context.CancelFunc
		done   chan error // the stream's end
	}
	var streams []open
	count := map[string]int{}
	for i := 0; i < 40 && (count[idA] < 2 || count[idB] < 2); i++ {
		sctx, cancel := context.WithCancel(ctx)
		rs, err := discWhoAmIStream.Call(sctx, conn, greeter.Req("600"))
		if err != nil {
			cancel()
			t.Fatalf("whoAmIStream: %v", err)
		}
		first, err := rs.Read()
		if err != nil {
			cancel()
			t.Fatalf("whoAmIStream first read: %v", err)
		}
		owner, _, _ := strings.Cut(first.Message, " ")
		o := open{owner: owner, cancel: cancel, done: make(chan error, 1)}
		go func() {
			for range rs.Messages() {
			}
			o.done <- rs.Err()
		}()
		streams = append(streams, o)
		count[owner]++
	}
	t.Cleanup(func() {
		for _, s := range streams {
			s.cancel()
		}
	})
	if count[idA] == 0 || count[idB] == 0 {
		t.Fatalf("streams per provider %v: want some on each", count)
	}

	// SIGTERM: dubbo-go's graceful shutdown unregisters, waits, then closes.
	if err := syscall.Kill(procA.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for _, s := range streams {
		if s.owner != idA {
			continue
		}
		select {
		case err := <-s.done:
			if err == nil {
				t.Errorf("a stream on the stopped provider ended cleanly, want an error")
			} else {
				t.Logf("stream on the stopped provider ended with: %v", err)
			}
		case <-deadline:
			t.Fatal("a stream on the stopped provider hangs 30 s after SIGTERM")
		}
	}
	for _, s := range streams {
		if s.owner != idB {
			continue
		}
		select {
		case err := <-s.done:
			t.Fatalf("a stream on the remaining provider ended: %v", err)
		default:
		}
	}
	testenv.Eventually(t, 20*time.Second, "the stopped provider's node to go", func() bool { return !zkHasPort(zc, pa) })
	// Once the consumer has seen the node go, every call goes to B.
	testenv.Eventually(t, 20*time.Second, "10 calls in a row to the remaining provider", func() bool {
		for range 10 {
			if who, err := discWho(ctx, conn); err != nil || who != idB {
				return false
			}
		}
		return true
	})
}

// TestDiscoveryProviderNewPort: a provider that comes back on another port
// is followed by the consumer.
func TestDiscoveryProviderNewPort(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv, p1, proc, conn, ctx := zkGoPair(t, 2*time.Minute)
	if who, err := discWho(ctx, conn); err != nil || who != fmt.Sprint(p1) {
		t.Fatalf("whoAmI = %q, %v; want %d", who, err, p1)
	}
	proc.Stop()
	p2 := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, p2), p2)
	testenv.Eventually(t, 30*time.Second, "calls reaching the new port", func() bool {
		who, err := discWho(ctx, conn)
		return err == nil && who == fmt.Sprint(p2)
	})
	discAllKinds(t, ctx, conn)
}

// TestDiscoveryGracefulShutdownOrder: on SIGTERM a provider under
// server.Serve removes its registry node while its listener still accepts,
// and exits only later.
func TestDiscoveryGracefulShutdownOrder(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	port := testenv.FreePort(t)
	proc := discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 20*time.Second, "the provider's node", func() bool { return zkHasPort(zc, port) })

	sent := time.Now()
	if err := syscall.Kill(proc.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the node to go", func() bool { return !zkHasPort(zc, port) })
	gone := time.Since(sent)
	c, err := net.DialTimeout("tcp", testenv.Addr(port), time.Second)
	if err != nil {
		t.Fatalf("listener closed when the node went (%v after SIGTERM): %v", gone, err)
	}
	c.Close()
	if proc.Exited() {
		t.Fatal("the process exited before its node was seen gone")
	}
	proc.WaitFor(t, 60*time.Second, "exit", proc.Exited)
	t.Logf("node gone %v after SIGTERM, listener still accepting then; exit after %v", gone, time.Since(sent))
}

// TestDiscoveryRegistryRestart: with Zookeeper down the consumer keeps
// calling its last known provider; when it returns the provider's node is
// there again and calls go on.
func TestDiscoveryRegistryRestart(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv, port, _, conn, ctx := zkGoPair(t, 2*time.Minute)

	zkSrv.Stop()
	// Longer than the 5 s session timeout: sessions expire, nodes must be
	// re-created by their owners.
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if who, err := discWho(ctx, conn); err != nil || who != fmt.Sprint(port) {
			t.Fatalf("with Zookeeper down: whoAmI = %q, %v", who, err)
		}
	}
	zkSrv.Restart()
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 60*time.Second, "the provider's node after the restart", func() bool { return zkHasPort(zc, port) })
	discAllKinds(t, ctx, conn)
}

// TestDiscoveryMalformedProviderURL: children of the providers folder that
// are not provider URLs are skipped and hide nothing.
func TestDiscoveryMalformedProviderURL(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	zc := zkConn(t, zkSrv.Addr)
	zkCreateAll(t, zc, providersPath)
	bad := []string{"%zz-not-a-url", "tri%3A%2F%2F%5B%3A%3A1", "just-a-name"}
	for _, b := range bad[:2] {
		zkCreate(t, zc, providersPath+"/"+b)
	}
	port := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, port), port)
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 90*time.Second)
	if err := greeter.WaitReady(ctx, conn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	zkCreate(t, zc, providersPath+"/"+bad[2]) // a change event with a bad child
	time.Sleep(time.Second)
	for range 10 {
		if who, err := discWho(ctx, conn); err != nil || who != fmt.Sprint(port) {
			t.Fatalf("whoAmI = %q, %v; want %d", who, err, port)
		}
	}
	discAllKinds(t, ctx, conn)
}

func zkCreateAll(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	p := ""
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		p += "/" + part
		if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
			t.Fatalf("create %s: %v", p, err)
		}
	}
}

func zkCreate(t *testing.T, c *zk.Conn, path string) {
	t.Helper()
	if _, err := c.Create(path, []byte("garbage"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}
