package h2

import "golang.org/x/net/http2"

// WriteHeaderBlock writes an encoded header block on stream id as a
// HEADERS frame and as many CONTINUATION frames as maxFrame requires.
func WriteHeaderBlock(fr *http2.Framer, id uint32, block []byte, maxFrame int, endStream bool) error {
	first := true
	for len(block) > 0 || first {
		chunk := block
		if len(chunk) > maxFrame {
			chunk = chunk[:maxFrame]
		}
		block = block[len(chunk):]
		end := len(block) == 0
		var err error
		if first {
			err = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: chunk, EndStream: endStream, EndHeaders: end})
			first = false
		} else {
			err = fr.WriteContinuation(id, end, chunk)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
