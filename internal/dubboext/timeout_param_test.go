package dubboext

import (
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

// A reference's timeout is parsed like every other duration: a bad one,
// zero included, is refused naming the key and the value.
func TestInvokerTimeoutParam(t *testing.T) {
	for _, v := range []string{"soon", "-1s", "0s", "3000"} {
		u, err := common.NewURL("tri://127.0.0.1:1/org.example.Svc?interface=org.example.Svc&" + constant.TimeoutKey + "=" + v)
		if err != nil {
			t.Fatal(err)
		}
		iv, err := newInvoker(u)
		if err == nil {
			iv.Destroy()
		}
		if err == nil || !strings.Contains(err.Error(), constant.TimeoutKey+":") || !strings.Contains(err.Error(), `"`+v+`"`) {
			t.Errorf("timeout=%s: newInvoker = %v, want an error naming %s and the value", v, err, constant.TimeoutKey)
		}
	}
	u, _ := common.NewURL("tri://127.0.0.1:1/org.example.Svc?interface=org.example.Svc&" + constant.TimeoutKey + "=%201m%20")
	iv, err := newInvoker(u)
	if err != nil {
		t.Fatal(err)
	}
	defer iv.Destroy()
	if iv.timeout.Seconds() != 60 {
		t.Fatalf("timeout = %v, want 1m", iv.timeout)
	}
}
