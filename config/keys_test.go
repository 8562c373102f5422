package config

import (
	"slices"
	"testing"
)

// Every key has a URL parameter, and the lists are copies.
func TestKeysAndParams(t *testing.T) {
	keys := Keys()
	if !slices.IsSorted(keys) || len(keys) != 5+len(ConnKeys()) {
		t.Fatalf("Keys() = %v", keys)
	}
	for _, k := range keys {
		if Param(k) == "" {
			t.Errorf("Param(%q) is empty", k)
		}
	}
	if got := Param(KeyMaxFrameSize); got != "streamx.max-frame-size" {
		t.Errorf("Param(max-frame-size) = %q", got)
	}
	if got := Param(KeyCompressMinBytes); got != ParamCompressMinBytes {
		t.Errorf("Param(compress-min-bytes) = %q", got)
	}
	if Param("no-such-key") != "" {
		t.Error("an unknown key has a parameter")
	}
	ck := ConnKeys()
	ck[0] = "changed"
	if ConnKeys()[0] == "changed" {
		t.Error("ConnKeys shares its slice")
	}
	b := BuiltinSettings()
	b.CompressMinBytes = 1
	if BuiltinSettings().CompressMinBytes != DefaultCompressMinBytes {
		t.Error("BuiltinSettings shares its value")
	}
}
