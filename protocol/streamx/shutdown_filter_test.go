package streamx

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
	key := keyed(base.NewBaseInvoker(u)).GetURL()
	if key == u || strings.Contains(key.String(), "application") || strings.Contains(key.String(), "methods") {
		t.Fatalf("key URL %s", key)
	}
	if key.GetCacheInvokerMapKey() != u.GetCacheInvokerMapKey() || key.ServiceKey() != u.ServiceKey() || key.Location != u.Location {
		t.Fatalf("key URL %s names another provider than %s", key, full)
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
