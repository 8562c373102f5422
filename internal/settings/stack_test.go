package settings

import (
	"strings"
	"testing"
)

func TestParseStack(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "false": false, " TRUE ": true, "False": false, "1": true, "0": false} {
		if got, err := ParseStack("k", v); err != nil || got != want {
			t.Errorf("ParseStack(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "yes please", "yes", "2", "streamx", "triple", "truee"} {
		_, err := ParseStack("dubbo.provider.services.greeter.params.streamx", v)
		if err == nil || !strings.Contains(err.Error(), "dubbo.provider.services.greeter.params.streamx") || !strings.Contains(err.Error(), `"`+v+`"`) {
			t.Errorf("ParseStack(%q) = %v, want an error naming the key and the value", v, err)
		}
	}
}

func TestProtocolStack(t *testing.T) {
	const where = "dubbo.protocols.tri.params"
	for _, c := range []struct {
		params any
		want   bool
	}{
		{nil, DefaultStack},
		{map[string]any{}, DefaultStack},
		{map[string]any{"other": "x"}, DefaultStack},
		{map[string]any{"streamx": false}, false}, // YAML's bool
		{map[string]any{"streamx": "false"}, false},
		{map[string]any{"streamx": true}, true},
		{map[string]string{"streamx": "false"}, false},
		{map[any]any{"streamx": false}, false},
	} {
		if got, err := ProtocolStack(where, c.params); err != nil || got != c.want {
			t.Errorf("ProtocolStack(%v) = %v, %v; want %v", c.params, got, err, c.want)
		}
	}
	for _, c := range []struct {
		params any
		msg    string
	}{
		{map[string]any{"streamx": "yes please"}, `dubbo.protocols.tri.params.streamx: "yes please"`},
		{map[string]any{"streamx": []any{"true"}}, "dubbo.protocols.tri.params.streamx"},
		{"streamx=false", where},
	} {
		if _, err := ProtocolStack(where, c.params); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ProtocolStack(%v) = %v, want an error containing %q", c.params, err, c.msg)
		}
	}
}

// A service's or reference's streamx: is checked with the other params.
func TestCheckParamStack(t *testing.T) {
	if err := CheckParam("p.streamx", ParamStack, "false", true); err != nil {
		t.Fatal(err)
	}
	err := CheckParam("dubbo.consumer.references.greeter.params.streamx", ParamStack, "yes please", false)
	if err == nil || !strings.Contains(err.Error(), `dubbo.consumer.references.greeter.params.streamx: "yes please"`) {
		t.Fatalf("got %v", err)
	}
}
