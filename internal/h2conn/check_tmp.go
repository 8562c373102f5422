package h2conn

import "errors"

// CheckRequest rejects a request header block RFC 9113 8.2.2 forbids.
func CheckRequest(h *Headers) error {
	for _, f := range h.RegularFields() {
		if ConnectionSpecific(f.Name) {
			return errors.New("connection-specific header field " + f.Name)
		}
		if f.Name == "te" && f.Value != "trailers" {
			return errors.New(`te header field other than "trailers"`)
		}
	}
	return nil
}

// CheckTrailers rejects a trailer block with pseudo-header fields.
func CheckTrailers(h *Headers) error {
	if h.nPseudo > 0 {
		return errors.New("pseudo-header field in trailers")
	}
	return nil
}

// CheckResponse rejects a response header block (trailers: a trailer
// block) RFC 9113 8.2.2 and 8.1 forbid.
func CheckResponse(h *Headers, trailers bool) error {
	if trailers {
		return CheckTrailers(h)
	}
	for _, f := range h.RegularFields() {
		if ConnectionSpecific(f.Name) {
			return errors.New("connection-specific header field " + f.Name)
		}
	}
	return nil
}
