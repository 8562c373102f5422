// Package wire implements the gRPC-over-HTTP/2 framing that Triple uses:
// length-prefixed messages, the grpc-* headers and trailers.
package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// HeaderLen is the size of the prefix before each message: one flag byte and
// a 4-byte big-endian length.
const HeaderLen = 5

const flagCompressed = 1

// AppendFrame appends one length-prefixed message to dst.
func AppendFrame(dst []byte, payload []byte, compressed bool) []byte {
	var hdr [HeaderLen]byte
	if compressed {
		hdr[0] = flagCompressed
	}
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	dst = append(dst, hdr[:]...)
	return append(dst, payload...)
}

// Reader reads length-prefixed messages from an HTTP/2 body.
type Reader struct {
	r        io.Reader
	hdr      [HeaderLen]byte
	MaxBytes int    // largest accepted message; <= 0 means no limit
	Encoding string // grpc-encoding of the peer: "" / "identity" or "gzip"
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader, maxBytes int, encoding string) *Reader {
	return &Reader{r: r, MaxBytes: maxBytes, Encoding: encoding}
}

// Next returns the next message. It returns io.EOF at a clean end between
// messages and a status error for a truncated or oversized message. The
// returned slice is owned by the caller.
func (r *Reader) Next() ([]byte, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, status.New(status.Internal, "stream ended inside a message prefix")
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(r.hdr[1:])
	if r.MaxBytes > 0 && int64(n) > int64(r.MaxBytes) {
		return nil, status.Errorf(status.ResourceExhausted,
			"received a message of %d bytes, over the %d-byte limit (max-recv-msg-size)", n, r.MaxBytes)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, status.Errorf(status.Internal, "stream ended inside a %d-byte message", n)
		}
		return nil, err
	}
	if r.hdr[0]&flagCompressed == 0 {
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
