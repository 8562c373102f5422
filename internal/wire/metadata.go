package wire

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// IsBinKey reports whether a header name carries binary values (its name
// ends in "-bin", any case): raw bytes in the API, base64 on the wire.
func IsBinKey(k string) bool {
	n := len(k)
	return n > 4 && k[n-4] == '-' && strings.EqualFold(k[n-3:], "bin")
}

// EncodeBinValue returns v base64-encoded without padding, as gRPC sends
// binary header values.
func EncodeBinValue(v string) string {
	return base64.RawStdEncoding.EncodeToString([]byte(v))
}

// DecodeBinValue decodes a binary header value, padded or not, as grpc-go
// accepts them.
func DecodeBinValue(v string) (string, error) {
	if len(v)%4 == 0 {
		b, err := base64.StdEncoding.DecodeString(v)
		return string(b), err
	}
	b, err := base64.RawStdEncoding.DecodeString(v)
	return string(b), err
}

// EncodeBin returns h with the values of its -bin keys base64-encoded; h
// itself is left unchanged (a copy is made only when h has -bin keys).
func EncodeBin(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		if !IsBinKey(k) {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		enc := make([]string, len(vs))
		for i, v := range vs {
			enc[i] = EncodeBinValue(v)
		}
		out[k] = enc
	}
	if out == nil {
		return h
	}
	return out
}

// DecodeBin decodes the values of h's -bin keys in place. A value that is
// not base64 is an error naming the key.
func DecodeBin(h http.Header) error {
	for k, vs := range h {
		if !IsBinKey(k) {
			continue
		}
		dec := make([]string, 0, len(vs))
		for _, v := range vs {
			// grpc-go joins repeated binary values with commas.
			for _, part := range strings.Split(v, ",") {
				d, err := DecodeBinValue(strings.TrimSpace(part))
				if err != nil {
					return fmt.Errorf("malformed binary header %s: %w", strings.ToLower(k), err)
				}
				dec = append(dec, d)
			}
		}
		h[k] = dec
	}
	return nil
}

// CheckValue reports an error for a header value that HTTP/2 cannot carry
// as text (a control character or a non-ASCII byte); such values need a
// -bin key.
func CheckValue(k, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("header %s: byte %#x at %d is not printable ASCII (binary values need a key ending in -bin)", strings.ToLower(k), c, i)
		}
	}
	return nil
}
