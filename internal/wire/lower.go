package wire

import "strings"

// lowerNames holds the lower-case HTTP/2 form of the header names every
// call carries, so that lower-casing them per call allocates nothing.
var lowerNames = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		HeaderContentType, HeaderTimeout, HeaderEncoding, HeaderAcceptEncoding,
		HeaderStatus, HeaderMessage, HeaderGroup, HeaderVersion,
		"Te", "User-Agent", "Grpc-Status-Details-Bin", "Tri-Consumer-Appname",
		"Tri-Service-Timeout", "Tri-Protocol-Version", "Tri-Unit-Info",
		"Accept-Encoding", "Content-Length", "Host", "Trailer",
	} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

// Lower returns k lower-cased, as HTTP/2 sends header names; the common
// names and names already in lower case cost no allocation.
func Lower(k string) string {
	if isLower(k) { // most names: checked faster than looked up
		return k
	}
	if lk, ok := lowerNames[k]; ok {
		return lk
	}
	return strings.ToLower(k)
}

func isLower(k string) bool {
	for i := 0; i < len(k); i++ {
		if 'A' <= k[i] && k[i] <= 'Z' || k[i] >= 0x80 {
			return false
		}
	}
	return true
}
