package h2

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// FrameReader reads frames as x/net's Framer does with ReadMetaHeaders
// set, with the same checks, but decodes each header block into fields it
// reuses: a block costs no allocation of its own, where x/net allocates a
// MetaHeadersFrame and grows its field slice for every block. A large
// DATA frame's payload it reads itself, straight into a pooled chunk (see
// DataChunk). One goroutine at a time: the connection's reader.
type FrameReader struct {
	fr   *http2.Framer
	src  io.Reader // what fr reads from; nil: every payload goes through fr
	dec  *hpack.Decoder
	hb   Headers
	data DataChunk
	pad  [1]byte // a padded DATA frame's pad length

	// MaxContinuations bounds the CONTINUATION frames of a block (0: no
	// bound); more end the connection with ENHANCE_YOUR_CALM, since
	// empty ones cost the header list limit nothing.
	MaxContinuations int

	// The block being decoded.
	remain     uint32 // bytes of header list still allowed
	sawRegular bool
	invalid    error
}

// NewFrameReader reads from fr, which must not have ReadMetaHeaders set;
// src is the reader fr reads from, which large DATA frames' payloads are
// read from directly (with src nil, fr reads every payload). The header
// list limit is fr.MaxHeaderListSize (16 MiB when 0), as in x/net. It has
// fr reuse its DATA frames: every frame ReadFrame returns is valid until
// the next call (a DATA frame's payload always was), which saves an
// allocation per DATA frame.
func NewFrameReader(fr *http2.Framer, src io.Reader) *FrameReader {
	fr.SetReuseFrames()
	r := &FrameReader{fr: fr, src: src}
	r.dec = hpack.NewDecoder(4096, r.emit)
	return r
}

// Headers is a decoded header block: a HEADERS frame and its CONTINUATION
// frames. It is valid until the next ReadFrame.
type Headers struct {
	*http2.HeadersFrame
	// Fields holds the pseudo fields, then the regular ones.
	Fields []hpack.HeaderField
	// Truncated reports that the block went over the header list limit:
	// Fields holds what fitted.
	Truncated bool
	// Invalid, if set, says why the block is malformed (RFC 9113 8.2.1,
	// 8.3): the engine checks the frame's stream id as for any HEADERS
	// (the id counts as used) and then resets the stream with
	// PROTOCOL_ERROR. Fields are then incomplete.
	Invalid error
	nPseudo int
}

// PseudoValue returns the value of the pseudo field :name, or "".
func (h *Headers) PseudoValue(name string) string {
	for _, f := range h.Fields[:h.nPseudo] {
		if f.Name[1:] == name {
			return f.Value
		}
	}
	return ""
}

// RegularFields returns the fields that are not pseudo fields.
func (h *Headers) RegularFields() []hpack.HeaderField { return h.Fields[h.nPseudo:] }

// ReadFrame returns the next frame, valid until the next call; a HEADERS
// frame comes back as *Headers with its block decoded, or with Invalid
// set when the block was decoded whole but is malformed (the connection
// goes on), and a large DATA frame as *DataChunk. Errors are x/net's (a
// http2.ConnectionError for a block that breaks the connection), or a
// ConnError for a HEADERS frame whose padding runs past its end or a
// DATA frame read into a chunk that x/net would have refused.
func (r *FrameReader) ReadFrame() (http2.Frame, error) {
	r.Release()
	// The frame's size limit and its order (no frame but CONTINUATION
	// inside a header block) are checked here, for the DATA frames read
	// below too.
	fh, err := r.fr.ReadFrameHeader()
	if err != nil {
		return nil, err
	}
	if fh.Type == http2.FrameData && r.src != nil && fh.Length >= chunkSize/2 && fh.Length <= chunkSize {
		return r.readData(fh)
	}
	f, err := r.fr.ReadFrameForHeader(fh)
	if err != nil {
		return nil, headersErr(fh, err)
	}
	if hf, ok := f.(*http2.HeadersFrame); ok {
		return r.readBlock(hf)
	}
	return f, nil
}

// Release returns the chunk of the last frame, a DataChunk, to the pool
// unless it was taken; for a reader that stops reading (ReadFrame does it
// for the frame before).
func (r *FrameReader) Release() { r.data.Release() }

// headersErr is the error of a frame x/net could not read: as it is, but
// for a HEADERS frame's padding past its end, which x/net makes a stream
// error although the block, not decoded, takes the HPACK state with it:
// RFC 9113 6.2 makes it a connection error.
func headersErr(fh http2.FrameHeader, err error) error {
	var se http2.StreamError
	if fh.Type == http2.FrameHeaders && errors.As(err, &se) {
		return connErr(http2.ErrCodeProtocol, "HEADERS padding longer than the frame on stream %d", fh.StreamID)
	}
	return err
}

// DataChunk is a DATA frame of chunkSize/2 to chunkSize bytes (padding
// included) whose payload FrameReader read straight into a chunk from the
// pool, where x/net would have read it into its own buffer for the
// stream's body to copy; smaller frames, whose data could not make a
// chunk at least half full, and larger ones come as *http2.DataFrame.
//
// The chunk holds the data, padding stripped. It is the reader's until
// someone takes it (Take); one nobody took goes back to the pool on
// Release, or at the next ReadFrame.
type DataChunk struct {
	http2.FrameHeader
	chunk *[]byte
}

// Data returns the frame's data, padding stripped; nil once the chunk is
// taken.
func (f *DataChunk) Data() []byte {
	if f.chunk == nil {
		return nil
	}
	return *f.chunk
}

// StreamEnded reports whether the frame has END_STREAM set.
func (f *DataChunk) StreamEnded() bool { return f.Flags.Has(http2.FlagDataEndStream) }

// Take hands the chunk holding the data over to the caller, who passes it
// on (Body.PutChunk) or returns it to the pool (recycleChunk). Called on
// nil, or again, it returns nil.
func (f *DataChunk) Take() *[]byte {
	if f == nil {
		return nil
	}
	c := f.chunk
	f.chunk = nil
	return c
}

// Release returns the chunk to the pool unless it was taken.
func (f *DataChunk) Release() { recycleChunk(f.Take()) }

// readData reads the payload of a large DATA frame (see DataChunk) whose
// header fr has read and checked, with x/net's checks of a DATA frame,
// and the same errors: stream 0 and a pad length past the payload are
// connection errors (PROTOCOL_ERROR), a frame cut short is the read's
// error.
//
// Frame order holds without fr seeing the payload: fr checked the header
// (ReadFrameHeader), which fails for a DATA frame inside a header block,
// and readBlock reads a block's CONTINUATION frames through fr whole, so
// no block is open here; fr's notion of the last frame's type is kept up
// by the header alone.
func (r *FrameReader) readData(fh http2.FrameHeader) (http2.Frame, error) {
	n := int(fh.Length)
	pad := 0
	padded := fh.Flags.Has(http2.FlagDataPadded)
	if padded {
		if _, err := io.ReadFull(r.src, r.pad[:]); err != nil {
			return nil, err
		}
		n--
		pad = int(r.pad[0])
	}
	c := getChunk()
	*c = (*c)[:n] // the padding too: it is read, and cut below
	if _, err := io.ReadFull(r.src, *c); err != nil {
		recycleChunk(c)
		if err == io.EOF && padded {
			err = io.ErrUnexpectedEOF // cut after the pad length, as x/net says
		}
		return nil, err
	}
	switch {
	case fh.StreamID == 0:
		recycleChunk(c)
		return nil, connErr(http2.ErrCodeProtocol, "DATA frame with stream ID 0")
	case pad > n:
		// Not when the frame is large enough to come here, but the
		// check stays in case the bounds move.
		recycleChunk(c)
		return nil, connErr(http2.ErrCodeProtocol, "pad size larger than data payload")
	}
	*c = (*c)[:n-pad]
	r.data = DataChunk{FrameHeader: fh, chunk: c}
	return &r.data, nil
}

func (r *FrameReader) readBlock(hf *http2.HeadersFrame) (http2.Frame, error) {
	h := &r.hb
	clear(h.Fields) // drop the last block's strings
	*h = Headers{HeadersFrame: hf, Fields: h.Fields[:0]}
	r.remain, r.sawRegular, r.invalid = r.fr.MaxHeaderListSize, false, nil
	if r.remain == 0 {
		r.remain = 16 << 20
	}
	r.dec.SetEmitEnabled(true)
	r.dec.SetMaxStringLength(int(r.remain))

	frag, ended := hf.HeaderBlockFragment(), hf.HeadersEnded()
	for n := 0; ; n++ {
		if r.MaxContinuations > 0 && n > r.MaxContinuations {
			return nil, calm("more than %d CONTINUATION frames in a header block", r.MaxContinuations)
		}
		// Like x/net: a fragment far over what is left of the limit, or
		// any fragment after an invalid field, ends the connection
		// rather than being decoded.
		if int64(len(frag)) > 2*int64(r.remain) || r.invalid != nil {
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		if _, err := r.dec.Write(frag); err != nil {
			return nil, http2.ConnectionError(http2.ErrCodeCompression)
		}
		if ended {
			break
		}
		f, err := r.fr.ReadFrame()
		if err != nil {
			return nil, err
		}
		cf := f.(*http2.ContinuationFrame) // the framer checks the order
		frag, ended = cf.HeaderBlockFragment(), cf.HeadersEnded()
	}
	if err := r.dec.Close(); err != nil {
		return nil, http2.ConnectionError(http2.ErrCodeCompression)
	}
	if r.invalid == nil {
		r.invalid = checkPseudos(h.Fields[:h.nPseudo])
	}
	h.Invalid = r.invalid
	return h, nil
}

// emit takes one decoded field, with x/net's checks.
func (r *FrameReader) emit(f hpack.HeaderField) {
	pseudo := strings.HasPrefix(f.Name, ":")
	switch {
	case !httpguts.ValidHeaderFieldValue(f.Value):
		// Not the value: it may be secret.
		r.invalid = fmt.Errorf("invalid value of header field %q", f.Name)
	case pseudo && r.sawRegular:
		r.invalid = errors.New("pseudo header field after a regular one")
	case !pseudo && !validFieldName(f.Name):
		r.invalid = fmt.Errorf("invalid header field name %q", f.Name)
	}
	if r.invalid != nil {
		r.dec.SetEmitEnabled(false)
		return
	}
	r.sawRegular = r.sawRegular || !pseudo
	size := f.Size()
	if size > r.remain {
		r.dec.SetEmitEnabled(false)
		r.hb.Truncated, r.remain = true, 0
		return
	}
	r.remain -= size
	r.hb.Fields = append(r.hb.Fields, f)
	if pseudo {
		r.hb.nPseudo++
	}
}

// validFieldName reports whether a received name is a token in lower case.
func validFieldName(v string) bool {
	if v == "" {
		return false
	}
	for _, c := range v {
		if !httpguts.IsTokenRune(c) || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// checkPseudos rejects unknown, repeated and mixed request and response
// pseudo fields.
func checkPseudos(pf []hpack.HeaderField) error {
	var request, response bool
	for i, f := range pf {
		switch f.Name {
		case ":method", ":path", ":scheme", ":authority", ":protocol":
			request = true
		case ":status":
			response = true
		default:
			return fmt.Errorf("unknown pseudo header field %q", f.Name)
		}
		for _, g := range pf[:i] {
			if f.Name == g.Name {
				return fmt.Errorf("repeated pseudo header field %q", f.Name)
			}
		}
	}
	if request && response {
		return errors.New("request and response pseudo header fields mixed")
	}
	return nil
}
