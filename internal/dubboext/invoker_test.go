package dubboext

import (
	"sync"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
)

// Destroy may run while a first plain Triple call creates the stock
// invoker: under -race this failed when Destroy read the field outside
// the once that writes it.
func TestDestroyWhileStockInvokerIsMade(t *testing.T) {
	u, err := common.NewURL("tri://127.0.0.1:1/org.example.Svc?interface=org.example.Svc")
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		iv, err := newInvoker(u)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); _ = iv.stockInvoker() }()
		go func() { defer wg.Done(); iv.Destroy() }()
		wg.Wait()
		if s := iv.stockInvoker(); s != nil && s.IsAvailable() {
			t.Fatal("the stock invoker made around Destroy is still available")
		}
	}
}
