package h2

import (
	"fmt"
	"time"
)

// Limits are the bounds one side of a connection keeps whatever its peer
// sends. They are config.Settings' connection bounds (config converts
// them; its doc says what each bounds and its range), so the comments here
// say only how the engine enforces them. The zero value of a field means
// its default (see Defaults); a Limits is read, never changed, by the
// connections using it.
type Limits struct {
	// Advertised in SETTINGS; streams over it are refused, a reset
	// stream's handler counting until it returns. Provider only.
	MaxConcurrentStreams uint32
	// Advertised as SETTINGS_MAX_FRAME_SIZE; a larger frame is a
	// connection error.
	MaxFrameSize uint32
	// Advertised as SETTINGS_MAX_HEADER_LIST_SIZE; checked as the block
	// is decoded.
	MaxHeaderListSize uint32
	// Over it the block ends the connection with ENHANCE_YOUR_CALM.
	MaxContinuations int
	// The windows advertised: what a stream, and the connection, may
	// buffer while the reader does not read.
	StreamWindow int32
	ConnWindow   int32
	// Rates with a burst of as many; over either the connection ends with
	// GOAWAY(ENHANCE_YOUR_CALM).
	MaxResetsPerSecond   int
	MaxSettingsPerSecond int
	// More than MaxPingStrikes PINGs sooner than MinPingInterval, with
	// nothing sent in between, end the connection with
	// GOAWAY(ENHANCE_YOUR_CALM).
	MinPingInterval time.Duration
	MaxPingStrikes  int
	// A connection silent for KeepaliveInterval is pinged, and closed as
	// dead if the answer takes over KeepaliveTimeout.
	KeepaliveInterval time.Duration
	KeepaliveTimeout  time.Duration
	// A connection without streams for that long is closed with GOAWAY.
	// Provider only.
	IdleTimeout time.Duration
	// A peer that takes no write for that long loses the connection; what
	// is queued for it stays bounded and is dropped.
	WriteTimeout time.Duration
}

// Defaults a provider and a consumer keep when nothing is configured.
const (
	DefaultMaxConcurrentStreams = 1000
	DefaultMaxFrameSize         = 16 << 10
	DefaultMaxHeaderListSize    = 1 << 20
	DefaultMaxContinuations     = 128
	DefaultStreamWindow         = 4<<20 - 1
	DefaultConnWindow           = 16 << 20
	DefaultMaxResetsPerSecond   = 1000
	DefaultMaxSettingsPerSecond = 20
	DefaultMinPingInterval      = 5 * time.Second
	DefaultMaxPingStrikes       = 2
	DefaultKeepaliveInterval    = 30 * time.Second
	DefaultKeepaliveTimeout     = 10 * time.Second
	DefaultIdleTimeout          = 5 * time.Minute
	DefaultWriteTimeout         = 30 * time.Second
)

// RFC 9113 6.5.2 ranges.
const (
	minFrameSize = 1 << 14
	maxFrameSize = 1<<24 - 1
	maxWindow    = 1<<31 - 1
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if l.MaxFrameSize == 0 {
		l.MaxFrameSize = DefaultMaxFrameSize
	}
	if l.MaxHeaderListSize == 0 {
		l.MaxHeaderListSize = DefaultMaxHeaderListSize
	}
	if l.StreamWindow == 0 {
		l.StreamWindow = DefaultStreamWindow
	}
	if l.ConnWindow == 0 {
		l.ConnWindow = DefaultConnWindow
	}
	set(&l.MaxContinuations, DefaultMaxContinuations)
	set(&l.MaxResetsPerSecond, DefaultMaxResetsPerSecond)
	set(&l.MaxSettingsPerSecond, DefaultMaxSettingsPerSecond)
	set(&l.MaxPingStrikes, DefaultMaxPingStrikes)
	setDur(&l.MinPingInterval, DefaultMinPingInterval)
	setDur(&l.KeepaliveInterval, DefaultKeepaliveInterval)
	setDur(&l.KeepaliveTimeout, DefaultKeepaliveTimeout)
	setDur(&l.IdleTimeout, DefaultIdleTimeout)
	setDur(&l.WriteTimeout, DefaultWriteTimeout)
	return l
}

// Validate reports the first field out of its range, by name.
func (l Limits) Validate() error {
	switch {
	case l.MaxFrameSize != 0 && (l.MaxFrameSize < minFrameSize || l.MaxFrameSize > maxFrameSize):
		return fmt.Errorf("max frame size %d is not between %d and %d", l.MaxFrameSize, minFrameSize, maxFrameSize)
	case l.MaxHeaderListSize != 0 && l.MaxHeaderListSize < 1<<10:
		return fmt.Errorf("max header list size %d is under 1 KiB", l.MaxHeaderListSize)
	case l.StreamWindow < 0 || (l.StreamWindow != 0 && l.StreamWindow < 65535):
		return fmt.Errorf("stream window %d is not between 65535 and %d", l.StreamWindow, maxWindow)
	case l.ConnWindow < 0 || (l.ConnWindow != 0 && l.ConnWindow < 65535):
		return fmt.Errorf("connection window %d is not between 65535 and %d", l.ConnWindow, maxWindow)
	case l.MaxContinuations < 0, l.MaxResetsPerSecond < 0, l.MaxSettingsPerSecond < 0, l.MaxPingStrikes < 0:
		return fmt.Errorf("negative count in %+v", l)
	case l.MinPingInterval < 0, l.KeepaliveInterval < 0, l.KeepaliveTimeout < 0, l.IdleTimeout < 0, l.WriteTimeout < 0:
		return fmt.Errorf("negative duration in %+v", l)
	}
	return nil
}
