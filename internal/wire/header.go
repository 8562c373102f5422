// Package wire implements the gRPC-over-HTTP/2 wire format that Triple
// uses beyond the message envelope (internal/transport): the grpc-*
// headers and trailers, timeouts, content types and metadata.
package wire

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// Header and trailer names of gRPC and Triple.
const (
	HeaderContentType    = "Content-Type"
	HeaderTimeout        = "Grpc-Timeout"
	HeaderEncoding       = "Grpc-Encoding"
	HeaderAcceptEncoding = "Grpc-Accept-Encoding"
	HeaderStatus         = "Grpc-Status"
	HeaderMessage        = "Grpc-Message"
	HeaderStatusDetails  = "Grpc-Status-Details-Bin"
	HeaderGroup          = "Tri-Service-Group"
	HeaderVersion        = "Tri-Service-Version"
)

// ContentTypePrefix starts every gRPC content type.
const ContentTypePrefix = "application/grpc"

// ContentType returns the content type for a codec name.
func ContentType(codec string) string {
	if codec == "" {
		return ContentTypePrefix
	}
	return ContentTypePrefix + "+" + codec
}

// ParseContentType returns the codec part of a gRPC content type ("" for
// plain application/grpc) and whether it is a gRPC content type at all.
func ParseContentType(ct string) (codec string, ok bool) {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == ContentTypePrefix {
		return "", true
	}
	if rest, found := strings.CutPrefix(ct, ContentTypePrefix); found && len(rest) > 1 && (rest[0] == '+' || rest[0] == ';') {
		return rest[1:], true
	}
	return "", false
}

// timeoutUnits are grpc-timeout's units, the finest first.
var timeoutUnits = [...]struct {
	d time.Duration
	s string
}{{time.Nanosecond, "n"}, {time.Microsecond, "u"}, {time.Millisecond, "m"}, {time.Second, "S"}, {time.Minute, "M"}, {time.Hour, "H"}}

// EncodeTimeout formats d as a grpc-timeout value (at most 8 digits).
func EncodeTimeout(d time.Duration) string {
	if d <= 0 {
		return "1n"
	}
	for _, u := range timeoutUnits {
		v := (d + u.d - 1) / u.d // round up: never shorten the deadline
		if v < 1e8 {
			return strconv.FormatInt(int64(v), 10) + u.s
		}
	}
	return "99999999H"
}

// DecodeTimeout parses a grpc-timeout value.
func DecodeTimeout(s string) (time.Duration, error) {
	if len(s) < 2 || len(s) > 9 {
		return 0, fmt.Errorf("malformed grpc-timeout %q", s)
	}
	v, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("malformed grpc-timeout %q", s)
	}
	var unit time.Duration
	for _, u := range timeoutUnits {
		if s[len(s)-1:] == u.s {
			unit = u.d
			break
		}
	}
	if unit == 0 {
		return 0, fmt.Errorf("malformed grpc-timeout %q", s)
	}
	if v > math.MaxInt64/int64(unit) {
		return math.MaxInt64, nil
	}
	return time.Duration(v) * unit, nil
}

// SetStatus writes err's status into h (grpc-status and grpc-message; nil
// is OK). With details, grpc-status-details-bin too.
func SetStatus(h http.Header, err error) {
	se, _ := status.As(err)
	setStatus(h, HeaderStatus, HeaderMessage, se)
	if b := status.MarshalStatus(se); b != nil {
		h[HeaderStatusDetails] = []string{EncodeBinValue(string(b))}
	}
}

// SetTrailerStatus writes err's status into h as trailers, under
// http.TrailerPrefix as net/http's handlers do.
func SetTrailerStatus(h http.Header, err error) {
	se, _ := status.As(err)
	setStatus(h, http.TrailerPrefix+HeaderStatus, http.TrailerPrefix+HeaderMessage, se)
	if b := status.MarshalStatus(se); b != nil {
		h[http.TrailerPrefix+HeaderStatusDetails] = []string{EncodeBinValue(string(b))}
	}
}

// okValue is grpc-status 0, shared: header writers only read values.
var okValue = []string{"0"}

func setStatus(h http.Header, statusKey, messageKey string, err *status.Error) {
	if err == nil {
		h[statusKey] = okValue
		return
	}
	h[statusKey] = []string{strconv.FormatUint(uint64(err.Code()), 10)}
	if msg := err.Message(); msg != "" {
		h[messageKey] = []string{encodeMessage(msg)}
	}
}

// StatusFrom reads the status from h. ok is false when h has no grpc-status.
// A zero status returns (nil, true).
func StatusFrom(h http.Header) (err error, ok bool) {
	raw := Get(h, HeaderStatus)
	if raw == "" {
		return nil, false
	}
	code, perr := strconv.ParseUint(raw, 10, 32)
	if perr != nil {
		return status.Errorf(status.Internal, "malformed grpc-status %q", raw), true
	}
	if code == 0 {
		return nil, true
	}
	se := status.New(status.Code(code), decodeMessage(Get(h, HeaderMessage)))
	if raw := Get(h, HeaderStatusDetails); raw != "" {
		if b, derr := DecodeBinValue(raw); derr == nil {
			se = status.WithStatusDetails(se, []byte(b))
		}
	}
	return se, true
}

// GRPCAnswer reports whether response headers h are a gRPC answer: a gRPC
// content type and a grpc-status. Such a response is the provider's own
// status whatever its :status; without them a non-200 :status is an HTTP
// failure (a proxy, a server that is not gRPC).
func GRPCAnswer(h http.Header) bool {
	if Get(h, HeaderStatus) == "" {
		return false
	}
	_, ok := ParseContentType(Get(h, HeaderContentType))
	return ok
}

// CodeFromHTTP maps a non-200 HTTP status to a gRPC code, as gRPC clients do.
func CodeFromHTTP(httpStatus int) status.Code {
	switch httpStatus {
	case http.StatusBadRequest:
		return status.Internal
	case http.StatusUnauthorized:
		return status.Unauthenticated
	case http.StatusForbidden:
		return status.PermissionDenied
	case http.StatusNotFound:
		return status.Unimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return status.Unavailable
	}
	return status.Unknown
}

// grpc-message is percent-encoded outside printable ASCII.
func encodeMessage(msg string) string {
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c < ' ' || c > '~' || c == '%' {
			return percentEncode(msg)
		}
	}
	return msg
}

func percentEncode(msg string) string {
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c >= ' ' && c <= '~' && c != '%' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// decodeMessage decodes a received grpc-message. Percent-encoding is
// printable ASCII; a value with other bytes was sent raw (Dubbo Java
// does): valid UTF-8 is kept as is, anything else is read as ISO-8859-1,
// which is what Netty sends for a Java string (each char's low byte).
func decodeMessage(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			if utf8.ValidString(s) {
				return s
			}
			return latin1(s)
		}
	}
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// latin1 converts ISO-8859-1 bytes to UTF-8.
func latin1(s string) string {
	b := make([]byte, 0, len(s)+len(s)/4)
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

// Shared header values of every reply. Callers put them in header maps
// that are only read afterwards; nobody may modify them.
var (
	gzipValue         = []string{"gzip"}
	contentTypeValues = map[string][]string{}
)

func init() {
	for _, codec := range []string{"", "proto", "json", "raw", "data", "hessian2", "msgpack"} {
		contentTypeValues[codec] = []string{ContentType(codec)}
	}
}

// ContentTypeValue returns ContentType(codec) as a header value slice,
// shared for the common codecs.
func ContentTypeValue(codec string) []string {
	if v, ok := contentTypeValues[codec]; ok {
		return v
	}
	return []string{ContentType(codec)}
}

// GzipValue is the header value "gzip", shared.
func GzipValue() []string { return gzipValue }

// Get returns the first value of key in h, like http.Header.Get, for a key
// already in canonical form (as all the names above are, and as servers and
// Canon store them): it skips canonicalizing the key, where most of
// http.Header.Get's time went.
func Get(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
