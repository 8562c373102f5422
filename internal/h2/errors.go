package h2

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2"
)

// ConnError ends a connection: the engine sends GOAWAY with Code (and
// Reason as its debug data) and closes.
type ConnError struct {
	Code   http2.ErrCode
	Reason string
}

func (e ConnError) Error() string { return fmt.Sprintf("connection error %v: %s", e.Code, e.Reason) }

// StreamError ends one stream: the engine sends RST_STREAM with Code and
// fails the stream; the connection goes on.
type StreamError struct {
	ID     uint32
	Code   http2.ErrCode
	Reason string
}

func (e StreamError) Error() string {
	return fmt.Sprintf("stream %d error %v: %s", e.ID, e.Code, e.Reason)
}

func connErr(code http2.ErrCode, format string, args ...any) error {
	return ConnError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func streamErr(id uint32, code http2.ErrCode, format string, args ...any) error {
	return StreamError{ID: id, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// calm is the answer to a flood.
func calm(format string, args ...any) error {
	return connErr(http2.ErrCodeEnhanceYourCalm, format, args...)
}

// classify turns what the frame reader returned into the engine's errors:
// x/net's framer reports a connection error as http2.ConnectionError with
// the reason in ErrorDetail, a frame over the size limit as
// ErrFrameTooLarge, and a malformed header block as http2.StreamError.
func classify(err error, fr *http2.Framer) error {
	var ce ConnError
	var se StreamError
	var xce http2.ConnectionError
	var xse http2.StreamError
	switch {
	case errors.As(err, &ce), errors.As(err, &se):
		return err
	case errors.Is(err, http2.ErrFrameTooLarge):
		return connErr(http2.ErrCodeFrameSize, "frame larger than the SETTINGS_MAX_FRAME_SIZE advertised")
	case errors.As(err, &xce):
		reason := "malformed frame"
		if d := fr.ErrorDetail(); d != nil {
			reason = d.Error()
		}
		return connErr(http2.ErrCode(xce), "%s", reason)
	case errors.As(err, &xse):
		reason := "malformed frame"
		if xse.Cause != nil {
			reason = xse.Cause.Error()
		}
		return streamErr(xse.StreamID, xse.Code, "%s", reason)
	}
	return err
}
