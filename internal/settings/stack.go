package settings

import (
	"fmt"
	"strings"
)

// DefaultStack is the stack when no streamx: key is set anywhere: streamx,
// which is what importing the package meant before the key existed.
const DefaultStack = true

// ParseStack parses the value of the streamx: key named key: "true" picks
// streamx, "false" dubbo-go's stock Triple (case and surrounding spaces
// ignored); "1" and "0" too, which is what dubbo-go's loader makes of a
// YAML true and false in a service's or reference's params:. Anything else
// is an error naming key and v: a typo must not quietly pick a stack.
func ParseStack(key, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is neither true (streamx) nor false (stock Triple)", key, v)
}

// StackParam returns the text of the streamx: key in a protocol's params
// (dubbo-go keeps them untyped: nil, or a map read from YAML), and whether
// it is set. where names the params in errors
// ("dubbo.protocols.tri.params"); params that are not a map, or a value
// that is not a single scalar, are errors naming it.
func StackParam(where string, params any) (string, bool, error) {
	var raw any
	switch m := params.(type) {
	case nil:
		return "", false, nil
	case map[string]any:
		v, ok := m[ParamStack]
		if !ok {
			return "", false, nil
		}
		raw = v
	case map[string]string: // protocol.WithParams
		v, ok := m[ParamStack]
		if !ok {
			return "", false, nil
		}
		raw = v
	case map[any]any: // YAML decoders that keep keys untyped
		v, ok := m[ParamStack]
		if !ok {
			return "", false, nil
		}
		raw = v
	default:
		return "", false, fmt.Errorf("%s: want a map of parameters, got %v", where, params)
	}
	v, err := scalar(where+"."+ParamStack, raw)
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// ProtocolStack returns the stack a protocol's params pick, DefaultStack
// when they set none; the error names where's streamx key and its value.
func ProtocolStack(where string, params any) (bool, error) {
	v, ok, err := StackParam(where, params)
	if err != nil || !ok {
		return DefaultStack, err
	}
	return ParseStack(where+"."+ParamStack, v)
}
