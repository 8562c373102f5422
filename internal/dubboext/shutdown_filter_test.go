package dubboext

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/global"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/invocation"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"
)

// stubInvoker answers every call with the next result queued.
type stubInvoker struct {
	*base.BaseInvoker
	calls int
	res   result.Result
}

func (s *stubInvoker) Invoke(context.Context, base.Invocation) result.Result {
	s.calls++
	return s.res
}

// A streamx reference runs streamx-cshutdown where dubbo-go's cshutdown
// was listed, under a key URL that names the same provider.
func TestReferSwapsShutdownFilter(t *testing.T) {
	u, err := common.NewURL("tri://127.0.0.1:20000/org.example.Svc?interface=org.example.Svc&group=g&version=1&timestamp=42&application=app&methods=a,b&reference.filter=mine,cshutdown,other")
	if err != nil {
		t.Fatal(err)
	}
	full := u.String()
	useShutdownFilter(u)
	if got := u.GetParam(constant.ReferenceFilterKey, ""); got != "mine,streamx-cshutdown,other" {
		t.Fatalf("reference.filter %q", got)
	}
	f := &shutdownFilter{}
	first := base.NewBaseInvoker(u)
	keyedFirst := f.keyed(first)
	key := keyedFirst.GetURL()
	if key == u || strings.Contains(key.String(), "application") || strings.Contains(key.String(), "methods") {
		t.Fatalf("key URL %s", key)
	}
	if key.GetCacheInvokerMapKey() != u.GetCacheInvokerMapKey() || key.ServiceKey() != u.ServiceKey() || key.Location != u.Location {
		t.Fatalf("key URL %s names another provider than %s", key, full)
	}
	// The filter keeps the keyed invoker for the invoker after it, and
	// makes another for another invoker.
	if again := f.keyed(first); again != keyedFirst {
		t.Fatal("the keyed invoker was made again for the same invoker")
	}
	u2, _ := common.NewURL("tri://127.0.0.1:20002/org.example.Svc?interface=org.example.Svc&reference.filter=cshutdown")
	useShutdownFilter(u2)
	if got := f.keyed(base.NewBaseInvoker(u2)).GetURL(); got.Location != "127.0.0.1:20002" {
		t.Fatalf("another invoker got the key URL %s", got)
	}
	if got := f.keyed(first).GetURL(); got != key {
		t.Fatalf("the first invoker got the key URL %s back, want %s", got, key)
	}

	// A direct URL's key names the provider with no parameters, and
	// dubbo-go still reads the same service from it.
	direct, _ := common.NewURL("tri://127.0.0.1:20000/org.example.Svc?interface=org.example.Svc&group=&version=&application=app&reference.filter=cshutdown")
	useShutdownFilter(direct)
	dkey := (&shutdownFilter{}).keyed(base.NewBaseInvoker(direct)).GetURL()
	if got := dkey.String(); got != "tri://127.0.0.1:20000/org.example.Svc" {
		t.Fatalf("a direct URL's key is %s", got)
	}
	if dkey.GetCacheInvokerMapKey() != direct.GetCacheInvokerMapKey() || dkey.ServiceKey() != direct.ServiceKey() || dkey.Service() != "org.example.Svc" {
		t.Fatalf("key URL %s names another service than %s", dkey, direct)
	}
	// An interface the path does not say stays in the key.
	other, _ := common.NewURL("tri://127.0.0.1:20000/svc-path?interface=org.example.Svc&reference.filter=cshutdown")
	useShutdownFilter(other)
	okey := (&shutdownFilter{}).keyed(base.NewBaseInvoker(other)).GetURL()
	if okey.ServiceKey() != "org.example.Svc" || okey.GetCacheInvokerMapKey() != other.GetCacheInvokerMapKey() {
		t.Fatalf("key URL %s lost the interface of %s", okey, other)
	}

	plain, _ := common.NewURL("tri://127.0.0.1:20000/org.example.Svc?reference.filter=mine")
	useShutdownFilter(plain)
	if got := plain.GetParam(constant.ReferenceFilterKey, ""); got != "mine" {
		t.Fatalf("a list without cshutdown became %q", got)
	}
	if _, ok := plain.GetAttribute(shutdownKeyAttr); ok {
		t.Fatal("a key URL for a reference without cshutdown")
	}
}

var closingRuns int

// Through streamx-cshutdown, dubbo-go's cshutdown still counts calls in
// flight for graceful shutdown, and a provider that answers "closing" is
// taken out of rotation and skipped.
func TestShutdownFilterKeepsCshutdownBehaviour(t *testing.T) {
	orig, ok := extension.GetFilter(constant.GracefulShutdownConsumerFilterKey)
	if !ok {
		t.Fatal("dubbo-go's cshutdown filter is not registered")
	}
	setter := orig.(interface{ Set(string, any) })
	cfg := &global.ShutdownConfig{}
	setter.Set(constant.GracefulShutdownFilterShutdownConfig, cfg)
	t.Cleanup(func() { setter.Set(constant.GracefulShutdownFilterShutdownConfig, (*global.ShutdownConfig)(nil)) })

	// cshutdown remembers closing providers for 30 s, process-wide: each
	// run (go test -count=N) gets a provider of its own.
	closingRuns++
	svc := fmt.Sprintf("org.example.Closing%d", closingRuns)
	u, _ := common.NewURL("tri://127.0.0.1:20001/" + svc + "?interface=" + svc + "&reference.filter=cshutdown")
	useShutdownFilter(u)
	f, ok := extension.GetFilter(shutdownFilterName)
	if !ok {
		t.Fatal("streamx-cshutdown is not registered")
	}
	stub := &stubInvoker{BaseInvoker: base.NewBaseInvoker(u), res: &result.RPCResult{}}
	inv := invocation.NewRPCInvocation("a", nil, nil)
	ctx := context.Background()

	res := f.Invoke(ctx, stub, inv)
	if stub.calls != 1 || cfg.ConsumerActiveCount.Load() != 1 {
		t.Fatalf("calls %d, in flight %d; want 1, 1", stub.calls, cfg.ConsumerActiveCount.Load())
	}
	f.OnResponse(ctx, res, stub, inv)
	if cfg.ConsumerActiveCount.Load() != 0 {
		t.Fatalf("in flight after the response: %d", cfg.ConsumerActiveCount.Load())
	}

	closing := &result.RPCResult{}
	closing.AddAttachment(constant.GracefulShutdownClosingKey, "true")
	stub.res = closing
	f.OnResponse(ctx, f.Invoke(ctx, stub, inv), stub, inv)
	if stub.IsAvailable() {
		t.Fatal("a provider answering closing is still available")
	}
	res = f.Invoke(ctx, stub, inv)
	if stub.calls != 2 || res.Error() == nil || !strings.Contains(res.Error().Error(), "closing") {
		t.Fatalf("call to a closing provider: reached it %d times, error %v", stub.calls, res.Error())
	}
}
