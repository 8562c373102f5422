package config

import (
	"fmt"

	"github.com/dubbo-go-streamx/streamx/internal/settings"
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

func setDefaults(s Settings) { settings.SetDefaults(s.plugin()) }

// Defaults returns the plugin-wide settings: those of the last successful
// Load, else those in dubbo.custom.config-map.streamx of a file read by
// dubbo.Load, else BuiltinSettings(). A URL parameter of a service or
// reference overrides each field. It is safe for concurrent use and does
// not block; the error (only possible after dubbo.Load, since Load checks
// first) names the bad key and value.
func Defaults() (Settings, error) {
	p, err := settings.Defaults()
	return fromPlugin(p), err
}
