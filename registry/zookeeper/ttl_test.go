package zookeeper

import (
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
)

// A bad registry.ttl is an error naming the key and value; it was ignored.
// The address is never dialled: the URL is refused first.
func TestBadTTLRefused(t *testing.T) {
	for _, v := range []string{"soon", "-1s", "0s", "10"} {
		u, err := common.NewURL("zookeeper://127.0.0.1:1?" + constant.RegistryTTLKey + "=" + v + "&timeout=100ms")
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewRegistry(u)
		if err == nil {
			r.Destroy()
		}
		if err == nil || !strings.Contains(err.Error(), constant.RegistryTTLKey) || !strings.Contains(err.Error(), `"`+v+`"`) {
			t.Errorf("registry.ttl=%s: NewRegistry = %v, want an error naming %s and the value", v, err, constant.RegistryTTLKey)
		}
	}
}
