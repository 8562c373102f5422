package filterchain

import (
	"context"
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common/extension"
	_ "dubbo.apache.org/dubbo-go/v3/filter/echo"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// One rule for filter lists: known names and exclusions of known names
// pass; an unknown name, excluded or not, is named in the error.
func TestCheckNames(t *testing.T) {
	for _, ok := range []string{"", "echo", " echo , -echo", "default,-default"} {
		if err := CheckNames(ok); err != nil {
			t.Errorf("CheckNames(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"nosuch-a", "echo,-nosuch-a", " -nosuch-a "} {
		err := CheckNames(bad)
		if err == nil || !strings.Contains(err.Error(), `"nosuch-a"`) {
			t.Errorf("CheckNames(%q) = %v, want an error naming \"nosuch-a\"", bad, err)
		}
	}
}

// GuardNames registers a filter failing every call for each unknown name.
func TestGuardNames(t *testing.T) {
	if err := GuardNames("echo,nosuch-guarded"); err == nil {
		t.Fatal("GuardNames accepted an unknown name")
	}
	f, ok := extension.GetFilter("nosuch-guarded")
	if !ok {
		t.Fatal("no failing filter registered")
	}
	res := f.Invoke(context.Background(), nil, nil)
	if status.CodeOf(res.Error()) != status.FailedPrecondition || !strings.Contains(res.Error().Error(), "nosuch-guarded") {
		t.Fatalf("guarded call: %v", res.Error())
	}
}
