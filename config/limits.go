package config

import (
	"github.com/dubbo-go-streamx/streamx/internal/confhook"
	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
)

// The one conversion of Settings into the engine's Limits, for config's
// range checks and, through confhook, for the transports internal/dubboext
// makes (h2conn is internal, so Settings cannot expose it).
func init() { confhook.Limits = Settings.limits }

// limits is s's connection bounds, zero fields meaning the defaults.
func (s Settings) limits() h2conn.Limits {
	return h2conn.Limits{
		MaxConcurrentStreams: s.MaxConcurrentStreams,
		MaxFrameSize:         s.MaxFrameSize,
		MaxHeaderListSize:    s.MaxHeaderListSize,
		MaxContinuations:     s.MaxContinuationFrames,
		StreamWindow:         s.StreamWindow,
		ConnWindow:           s.ConnWindow,
		MaxResetsPerSecond:   s.MaxResetsPerSecond,
		MaxSettingsPerSecond: s.MaxSettingsPerSecond,
		MinPingInterval:      s.MinPingInterval,
		MaxPingStrikes:       s.MaxPingStrikes,
		KeepaliveInterval:    s.KeepAliveInterval,
		KeepaliveTimeout:     s.KeepAliveTimeout,
		IdleTimeout:          s.IdleTimeout,
		WriteTimeout:         s.WriteTimeout,
	}
}
