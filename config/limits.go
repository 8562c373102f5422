package config

import (
	"github.com/dubbo-go-streamx/streamx/internal/h2conn"
)

// limits is s's connection bounds, zero fields meaning the defaults, for
// h2conn's range checks. protocol/streamx makes the same conversion for
// its transports (h2conn is internal, so Settings does not expose it).
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
