package transport

// The gRPC envelope: length-prefixed messages on an HTTP/2 body.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// HeaderLen is the size of the prefix before each message: one flag byte and
// a 4-byte big-endian length.
const HeaderLen = 5

const flagCompressed = 1

// AppendFrame appends one length-prefixed message to dst.
func AppendFrame(dst []byte, payload []byte, compressed bool) []byte {
	return append(appendPrefix(dst, len(payload), compressed), payload...)
}

// Reader reads length-prefixed messages from an HTTP/2 body.
type Reader struct {
	r        io.Reader
	MaxBytes int    // largest accepted message; <= 0 means no limit
	Encoding string // grpc-encoding of the peer: "" / "identity" or "gzip"

	// The body lends its bytes (h2's bodies; any other reader through
	// copyingLender): cur is what it lent last, and a message lying whole
	// in cur is handed out where it lies. One that spans the body's chunks
	// is gathered into big, a pooled buffer. small holds a copy of the
	// last small message of what arrived (see keepSmall). The message
	// Next or Buffered returned last is lent: the next call takes it back.
	lender lender
	cur    []byte
	big    *[]byte
	small  [smallBufSize]byte
}

// lender is a body that lends the bytes it buffered instead of copying
// them: what ReadLent returns is valid until its next call.
type lender interface {
	ReadLent() ([]byte, error)
	// ReturnLent takes back what ReadLent lent, before the next call.
	ReturnLent()
}

// smallBufSize holds a 16-byte message with room to spare.
const smallBufSize = 32

// copyingLender lends what it reads from a reader that does not lend (a
// body other than h2's, a test's) from a buffer of its own, reused by
// the next ReadLent.
type copyingLender struct {
	io.Reader
	buf []byte
}

func (c *copyingLender) ReadLent() ([]byte, error) {
	if c.buf == nil {
		c.buf = make([]byte, 32<<10)
	}
	for {
		n, err := c.Read(c.buf)
		if n > 0 {
			return c.buf[:n], nil // an error comes back on the next read
		}
		if err != nil {
			return nil, err
		}
	}
}

func (c *copyingLender) ReturnLent() {}

// NewReader returns a Reader on r.
func NewReader(r io.Reader, maxBytes int, encoding string) *Reader {
	rd := new(Reader)
	rd.Init(r, maxBytes, encoding)
	return rd
}

// Init makes r a new Reader on src, for a Reader held by value (one
// allocation less for its owner).
func (r *Reader) Init(src io.Reader, maxBytes int, encoding string) {
	*r = Reader{r: src, MaxBytes: maxBytes, Encoding: encoding}
	if l, ok := src.(lender); ok {
		r.lender = l
	} else {
		c := &copyingLender{Reader: src}
		r.r, r.lender = c, c
	}
}

// Recycle takes back the message lent by the last Next or Buffered (see
// Next); its bytes may be reused from now on. Next and Buffered recycle
// the previous message themselves.
func (r *Reader) Recycle() {
	if r.big != nil {
		mem.Put(r.big)
		r.big = nil
	}
}

// Buffered returns the next message if it has fully arrived, without
// reading: ok is false when it has not, when it is compressed or over the
// limit (Next reports those), or when it is empty and allowEmpty is false.
// The message is lent, as Next's.
func (r *Reader) Buffered(allowEmpty bool) (msg []byte, ok bool) {
	r.Recycle()
	b := r.cur
	if len(b) < HeaderLen || b[0]&flagCompressed != 0 {
		return nil, false
	}
	n := binary.BigEndian.Uint32(b[1:HeaderLen])
	if (n == 0 && !allowEmpty) || uint64(len(b)-HeaderLen) < uint64(n) ||
		(r.MaxBytes > 0 && int64(n) > int64(r.MaxBytes)) {
		return nil, false
	}
	msg = b[HeaderLen : HeaderLen+int(n) : HeaderLen+int(n)]
	r.cur = r.cur[HeaderLen+int(n):]
	return r.keepSmall(msg), true
}

// Next returns the next message. It returns io.EOF at a clean end between
// messages and a status error for a truncated or oversized message.
//
// The message is lent: its bytes are the caller's to read until the next
// call of Next, Buffered or Recycle, which may reuse them. A caller that
// keeps a message longer copies it. Lending spares every message an
// allocation and a copy: a message that lies whole in what the body lent
// is handed out there; one that spans the body's chunks is gathered into
// a pooled buffer, the one copy it takes.
func (r *Reader) Next() ([]byte, error) {
	r.Recycle()
	var hdr [HeaderLen]byte
	got, err := r.gather(hdr[:])
	if err != nil {
		if errors.Is(err, io.EOF) && got == 0 {
			return nil, io.EOF
		}
		if errors.Is(err, io.EOF) {
			return nil, status.New(status.Internal, "stream ended inside a message prefix")
		}
		return nil, err
	}
	flags, n := hdr[0], binary.BigEndian.Uint32(hdr[1:])
	if r.MaxBytes > 0 && int64(n) > int64(r.MaxBytes) {
		return nil, status.Errorf(status.ResourceExhausted,
			"received a message of %d bytes, over the %d-byte limit (max-recv-msg-size)", n, r.MaxBytes)
	}
	if len(r.cur) == 0 && n > 0 { // the prefix ended a chunk: the message may lie whole in the next
		if r.cur, err = r.lender.ReadLent(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, status.Errorf(status.Internal, "stream ended inside a %d-byte message", n)
			}
			return nil, err
		}
	}
	var buf []byte
	if len(r.cur) >= int(n) {
		buf, r.cur = r.cur[:n:n], r.cur[n:] // lent where it lies
		buf = r.keepSmall(buf)
	} else {
		// Spanning chunks: what was lent, then the rest read straight
		// into the buffer, every chunk buffered by then in one read.
		r.big = mem.Get(int(n))
		buf = (*r.big)[:n]
		got := copy(buf, r.cur)
		r.cur = nil
		if _, err := io.ReadFull(r.r, buf[got:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, status.Errorf(status.Internal, "stream ended inside a %d-byte message", n)
			}
			return nil, err
		}
	}
	return r.decompress(flags, buf)
}

// keepSmall returns msg, lent by the lender; the last of what arrived,
// if small, is copied instead, so that the chunk goes back now and a
// stream that waits for its next message (an idle one) keeps none.
func (r *Reader) keepSmall(msg []byte) []byte {
	if len(r.cur) != 0 || len(msg) > len(r.small) {
		return msg
	}
	msg = r.small[:copy(r.small[:], msg)]
	r.lender.ReturnLent()
	return msg
}

// gather copies the next len(p) bytes into p, from cur and as much more
// as the body lends; io.EOF means it ended first (got tells how much came).
func (r *Reader) gather(p []byte) (got int, err error) {
	for got < len(p) {
		if len(r.cur) == 0 {
			if r.cur, err = r.lender.ReadLent(); err != nil {
				return got, err
			}
			continue
		}
		k := copy(p[got:], r.cur)
		r.cur = r.cur[k:]
		got += k
	}
	return got, nil
}

// decompress returns a message as its flags say: as it came, or gunzipped.
func (r *Reader) decompress(flags byte, buf []byte) ([]byte, error) {
	if flags&flagCompressed == 0 {
		return buf, nil
	}
	switch r.Encoding {
	case "gzip":
		return gunzip(buf, r.MaxBytes)
	case "", "identity":
		return nil, status.New(status.Internal, "received a compressed message without a grpc-encoding")
	default:
		return nil, status.Errorf(status.Unimplemented, "unsupported grpc-encoding %q", r.Encoding)
	}
}

var gzipReaders sync.Pool

func gunzip(b []byte, maxBytes int) ([]byte, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		err = zr.Reset(bytes.NewReader(b))
	}
	if err != nil {
		return nil, status.Errorf(status.Internal, "gzip: %v", err)
	}
	defer gzipReaders.Put(zr)
	var lr io.Reader = zr
	if maxBytes > 0 {
		lr = io.LimitReader(zr, int64(maxBytes)+1)
	}
	out, err := io.ReadAll(lr)
	if err != nil {
		return nil, status.Errorf(status.Internal, "gzip: %v", err)
	}
	if maxBytes > 0 && len(out) > maxBytes {
		return nil, status.Errorf(status.ResourceExhausted,
			"received a message over the %d-byte limit after decompression (max-recv-msg-size)", maxBytes)
	}
	return out, nil
}

var gzipWriters sync.Pool

// Gzip compresses payload.
func Gzip(payload []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(&buf)
	} else {
		zw.Reset(&buf)
	}
	defer gzipWriters.Put(zw)
	if _, err := zw.Write(payload); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}
