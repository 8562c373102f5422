package dubboext

import (
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/global"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
)

// The service's streamx: wins over its protocol's, which wins over the
// default; the protocol is the one the URL was exported from.
func TestChooseProviderStack(t *testing.T) {
	tc := global.DefaultTripleConfig()
	protocols := map[string]*global.ProtocolConfig{
		"tri":   {Name: "tri", Port: "20000", TripleConfig: global.DefaultTripleConfig()},
		"stock": {Name: "tri", Port: "20001", TripleConfig: tc, Params: map[string]any{"streamx": false}},
	}
	for _, c := range []struct {
		name        string
		param       string
		tc          *global.TripleConfig
		port        string
		wantPort    bool
		wantService bool
	}{
		{"default", "", nil, "20000", true, true},
		{"protocol by triple config", "", tc, "20000", false, false},
		{"protocol by port", "", nil, "20001", false, false},
		{"service wins", "true", tc, "20001", false, true},
		{"service false on streamx's port", "0", nil, "20000", true, false},
	} {
		url := testURL(map[string]string{"streamx": c.param}, c.tc)
		url.Port = c.port
		url.SetAttribute(constant.ProtocolConfigKey, protocols)
		got, err := chooseProviderStack(url)
		if err != nil || got.portStreamx != c.wantPort || got.serviceStreamx != c.wantService {
			t.Errorf("%s: got %+v, %v; want port %v, service %v", c.name, got, err, c.wantPort, c.wantService)
		}
	}
}

// Registries and consumers see no streamx: on a provider's URL, whatever
// the export's outcome.
func TestExportDropsStackParam(t *testing.T) {
	p := &protocol{BaseProtocol: base.NewBaseProtocol(), endpoints: map[string]*endpoint{}, stockAt: map[string]int{}}
	url := testURL(map[string]string{"streamx": "true"}, nil)
	if _, err := p.exportChosen(base.NewBaseInvoker(url)); err == nil || !strings.Contains(err.Error(), "no ServiceInfo") {
		t.Fatalf("export without a ServiceInfo: %v", err)
	}
	if v := url.GetParam("streamx", ""); v != "" {
		t.Fatalf("streamx=%q left on the URL", v)
	}
	bad := testURL(map[string]string{"streamx": "yes please"}, nil)
	_, err := p.exportChosen(base.NewBaseInvoker(bad))
	if err == nil || !strings.Contains(err.Error(), `params.streamx of service svc: "yes please"`) {
		t.Fatalf("bad value: %v", err)
	}
}
