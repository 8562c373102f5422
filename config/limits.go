package config

import (
	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/settings"
)

// plugin and fromPlugin are the one mapping of Settings' fields onto the
// internal settings the transports read (internal/settings.Plugin, whose
// connection bounds are h2.Limits: their defaults and ranges are
// defined there).
func (s Settings) plugin() settings.Plugin {
	return settings.Plugin{
		CompressMinBytes:     s.CompressMinBytes,
		MaxServerRecvMsgSize: s.MaxServerRecvMsgSize,
		MaxServerSendMsgSize: s.MaxServerSendMsgSize,
		MaxCallRecvMsgSize:   s.MaxCallRecvMsgSize,
		MaxCallSendMsgSize:   s.MaxCallSendMsgSize,
		Limits: h2.Limits{
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
		},
	}
}

func fromPlugin(p settings.Plugin) Settings {
	l := p.Limits
	return Settings{
		CompressMinBytes:      p.CompressMinBytes,
		MaxServerRecvMsgSize:  p.MaxServerRecvMsgSize,
		MaxServerSendMsgSize:  p.MaxServerSendMsgSize,
		MaxCallRecvMsgSize:    p.MaxCallRecvMsgSize,
		MaxCallSendMsgSize:    p.MaxCallSendMsgSize,
		MaxConcurrentStreams:  l.MaxConcurrentStreams,
		MaxFrameSize:          l.MaxFrameSize,
		MaxHeaderListSize:     l.MaxHeaderListSize,
		MaxContinuationFrames: l.MaxContinuations,
		StreamWindow:          l.StreamWindow,
		ConnWindow:            l.ConnWindow,
		MaxResetsPerSecond:    l.MaxResetsPerSecond,
		MaxSettingsPerSecond:  l.MaxSettingsPerSecond,
		MinPingInterval:       l.MinPingInterval,
		MaxPingStrikes:        l.MaxPingStrikes,
		KeepAliveInterval:     l.KeepaliveInterval,
		KeepAliveTimeout:      l.KeepaliveTimeout,
		IdleTimeout:           l.IdleTimeout,
		WriteTimeout:          l.WriteTimeout,
	}
}

// WithDefaults returns s with every zero connection bound set to the
// default the transports use; the defaults are defined once, by the
// engine, and this is how to read them. It does not block.
func (s Settings) WithDefaults() Settings {
	p := s.plugin()
	p.Limits = p.Limits.WithDefaults()
	return fromPlugin(p)
}

// limits is s's connection bounds, zero fields meaning the defaults.
func (s Settings) limits() h2.Limits { return s.plugin().Limits }
