package integrate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// zkDeadPythonProvider starts a dubbo-python provider registered in zkSrv
// and kills it (SIGKILL) without closing its Zookeeper session, so its node
// stays until the session times out, as a crashed provider's does (and as
// dubbo-python's own sample server's does even after Ctrl-C). It returns
// the dead provider's port.
func zkDeadPythonProvider(t *testing.T, zkSrv *testenv.Zookeeper) int {
	t.Helper()
	py := testenv.PythonEnv(t)
	proc, port := py.StartServer(t, "--zookeeper", zkSrv.Addr)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Python provider's node", func() bool { return zkHasPort(zc, port) })
	proc.Kill()
	return port
}

// TestDiscoveryFailoverFromDeadProvider: a Go consumer that starts while a
// dead provider's node lingers beside a live provider's sends every call to
// the live one.
func TestDiscoveryFailoverFromDeadProvider(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	dead := zkDeadPythonProvider(t, zkSrv)
	live := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, live), live)
	zc := zkConn(t, zkSrv.Addr)
	testenv.Eventually(t, 10*time.Second, "the Go provider's node", func() bool { return zkHasPort(zc, live) })

	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 60*time.Second)
	// The consumer has found a provider once a call gets through; from
	// then on no call may fail while both nodes are listed.
	testenv.Eventually(t, 20*time.Second, "a first call", func() bool {
		_, err := discWho(ctx, conn)
		return err == nil
	})
	const calls = 30
	for i := range calls {
		start := time.Now()
		who, err := discWho(ctx, conn)
		if err != nil {
			t.Fatalf("call %d of %d, with the dead provider :%d still listed: %v", i+1, calls, dead, err)
		}
		if who != fmt.Sprint(live) {
			t.Fatalf("call %d answered by %q, want the live provider %d", i+1, who, live)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("call %d took %v: the failover to the live provider should not wait", i+1, d)
		}
	}
	if !zkHasPort(zc, dead) {
		t.Fatalf("the dead provider's node went before the calls ended: the test proved nothing (make it faster)")
	}
}

// TestDiscoveryOnlyDeadProvider: while the only listed provider is dead,
// each call fails at once with CodeUnavailable, naming the refused address
// or (before the consumer has found any node, or once dubbo-go has no
// invoker left to try) wrapping streamx.ErrNoProvider; once a live provider
// registers, calls succeed without restarting the consumer.
func TestDiscoveryOnlyDeadProvider(t *testing.T) {
	if discIsolate(t) {
		return
	}
	zkSrv := testenv.StartZookeeper(t)
	conn := discConsumer(t, zkConsumerYAML, zkVars(zkSrv.Addr, 0))
	ctx := discCtx(t, 60*time.Second)
	_, err := discWho(ctx, conn)
	if !errors.Is(err, streamx.ErrNoProvider) || streamx.CodeOf(err) != streamx.CodeUnavailable {
		t.Fatalf("call with no provider registered: %v (code %v), want streamx.ErrNoProvider, CodeUnavailable", err, streamx.CodeOf(err))
	}
	dead := zkDeadPythonProvider(t, zkSrv)

	refused := fmt.Sprintf("127.0.0.1:%d", dead)
	var errs []string
	call := func() error {
		start := time.Now()
		_, err := discWho(ctx, conn)
		if err == nil {
			t.Fatalf("a call succeeded with only a dead provider listed")
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("a call with only a dead provider listed took %v, want a prompt error", d)
		}
		if streamx.CodeOf(err) != streamx.CodeUnavailable {
			t.Fatalf("call error %v: code %v, want %v", err, streamx.CodeOf(err), streamx.CodeUnavailable)
		}
		if !errors.Is(err, streamx.ErrNoProvider) && !strings.Contains(err.Error(), refused) {
			t.Fatalf("call error %v: want streamx.ErrNoProvider or the refused address %s", err, refused)
		}
		errs = append(errs, err.Error())
		return err
	}
	testenv.Eventually(t, 10*time.Second, "a call that reached the dead provider's address", func() bool {
		return strings.Contains(call().Error(), refused)
	})
	for range 3 { // each later call fails as promptly, for one reason or the other
		call()
	}
	t.Logf("errors while only the dead provider is listed: %q", errs)

	live := testenv.FreePort(t)
	discStartProvider(t, zkProviderYAML, zkVars(zkSrv.Addr, live), live)
	testenv.Eventually(t, 20*time.Second, "a call answered by the new live provider", func() bool {
		who, _ := discWho(ctx, conn)
		return who == fmt.Sprint(live)
	})
}
