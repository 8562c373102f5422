package settings

import (
	"fmt"
	"sync"

	"dubbo.apache.org/dubbo-go/v3"
)

var (
	defaultsMu sync.Mutex
	loaded     *Plugin // set by SetDefaults
)

// SetDefaults makes p the plugin-wide settings Defaults returns. It does
// not check p: config.SetDefaults and config.Load check first. Safe for
// concurrent use.
func SetDefaults(p Plugin) {
	defaultsMu.Lock()
	defer defaultsMu.Unlock()
	loaded = &p
}

// Defaults returns the plugin-wide settings: those last given to
// SetDefaults, else those in dubbo.custom.config-map.streamx of a file
// read by dubbo.Load, else Builtin(). It is safe for concurrent use and
// does not block; the error (only possible after dubbo.Load) names the
// bad key and value, and comes with Builtin().
func Defaults() (Plugin, error) {
	defaultsMu.Lock()
	l := loaded
	defaultsMu.Unlock()
	if l != nil {
		return *l, nil
	}
	custom := dubbo.GetCustomConfigSnapshot()
	if custom == nil {
		return Builtin(), nil
	}
	p, err := ParseMap("dubbo.custom.config-map."+Name, custom.ConfigMap[Name])
	if err != nil {
		return Builtin(), fmt.Errorf("config: %w", err)
	}
	return p, nil
}
