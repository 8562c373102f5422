package h2

import (
	"errors"

	"golang.org/x/net/http2"
)

// PeerSettings is what the peer's SETTINGS frames have said so far, with
// RFC 9113's initial values until they say otherwise.
type PeerSettings struct {
	InitialWindow int32  // a new stream's send window
	MaxFrame      uint32 // the largest frame payload the peer takes
	MaxStreams    uint32 // streams we may open at once (a consumer's concern)
	TableSize     uint32 // the peer's HPACK decoder table size
	// TableSet tells that SETTINGS_HEADER_TABLE_SIZE came since it was
	// last cleared (once per SETTINGS frame), and TableMin is the smallest
	// value it had since: an encoder signals that first (RFC 7541 4.2).
	TableSet bool
	TableMin uint32
}

// InitialPeerSettings are the values before the peer's first SETTINGS.
func InitialPeerSettings(maxStreams uint32) PeerSettings {
	return PeerSettings{InitialWindow: 65535, MaxFrame: minFrameSize, MaxStreams: maxStreams, TableSize: 4096}
}

// Apply checks one setting received from the peer (fromServer: the peer
// is a provider) against RFC 9113 6.5.2 and records it. It returns the
// change to every open stream's send window (SETTINGS_INITIAL_WINDOW_SIZE
// applies to streams already open), or a ConnError with the code the RFC
// gives. Unknown settings are ignored, as the RFC requires.
func (p *PeerSettings) Apply(s http2.Setting, fromServer bool) (windowDelta int64, err error) {
	// x/net knows every registered setting's range (ENABLE_CONNECT_PROTOCOL
	// too); the cases below say which one was broken.
	var code http2.ConnectionError
	if err := s.Valid(); errors.As(err, &code) && s.ID != http2.SettingEnablePush &&
		s.ID != http2.SettingInitialWindowSize && s.ID != http2.SettingMaxFrameSize {
		return 0, connErr(http2.ErrCode(code), "%v out of range", s)
	}
	switch s.ID {
	case http2.SettingEnablePush:
		if s.Val > 1 || (fromServer && s.Val != 0) {
			return 0, connErr(http2.ErrCodeProtocol, "SETTINGS_ENABLE_PUSH %d from a %s", s.Val, side(fromServer))
		}
	case http2.SettingInitialWindowSize:
		if s.Val > maxWindow {
			return 0, connErr(http2.ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE %d over 2^31-1", s.Val)
		}
		windowDelta = int64(s.Val) - int64(p.InitialWindow)
		p.InitialWindow = int32(s.Val)
	case http2.SettingMaxFrameSize:
		if s.Val < minFrameSize || s.Val > maxFrameSize {
			return 0, connErr(http2.ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE %d not between 2^14 and 2^24-1", s.Val)
		}
		p.MaxFrame = s.Val
	case http2.SettingMaxConcurrentStreams:
		p.MaxStreams = s.Val
	case http2.SettingHeaderTableSize:
		if !p.TableSet || s.Val < p.TableMin {
			p.TableMin = s.Val
		}
		p.TableSize, p.TableSet = s.Val, true
	}
	return windowDelta, nil
}

func side(server bool) string {
	if server {
		return "provider"
	}
	return "consumer"
}
