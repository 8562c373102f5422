package config

import (
	"fmt"
	"sync"

	"dubbo.apache.org/dubbo-go/v3"
)

var (
	defaultsMu sync.Mutex
	loaded     *Settings // set by Load
)

// SetDefaults makes s the plugin-wide settings that Defaults returns, for
// programs configured in code rather than by Load (a later Load replaces
// them). Set it before the servers and references it should reach are
// made: an endpoint or a reference reads the settings once. A connection
// bound out of its range is an error naming the bound; Defaults is then
// unchanged.
func SetDefaults(s Settings) error {
	if err := s.limits().Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	setDefaults(s)
	return nil
}

func setDefaults(s Settings) {
	defaultsMu.Lock()
	defer defaultsMu.Unlock()
	loaded = &s
}

// Defaults returns the plugin-wide settings: those of the last successful
// Load, else those in dubbo.custom.config-map.streamx of a file read by
// dubbo.Load, else BuiltinSettings(). A URL parameter of a service or
// reference overrides each field. It is safe for concurrent use and does
// not block; the error (only possible after dubbo.Load, since Load checks
// first) names the bad key and value.
func Defaults() (Settings, error) {
	defaultsMu.Lock()
	l := loaded
	defaultsMu.Unlock()
	if l != nil {
		return *l, nil
	}
	custom := dubbo.GetCustomConfigSnapshot()
	if custom == nil {
		return BuiltinSettings(), nil
	}
	s, err := parseSettings("dubbo.custom.config-map."+Name, custom.ConfigMap[Name])
	if err != nil {
		return BuiltinSettings(), fmt.Errorf("config: %w", err)
	}
	return s, nil
}
