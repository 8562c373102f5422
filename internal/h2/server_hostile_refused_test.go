package h2_test

// A HEADERS frame refused with RST_STREAM(PROTOCOL_ERROR) still uses its
// stream id (RFC 9113 5.1.1): the stream is closed, not idle.

import (
	"encoding/binary"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// grpcEcho answers a request with its body and grpc-status 0.
func grpcEcho(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	w.Header().Set("Content-Type", "application/grpc")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
}

// grpcMessage frames p as one uncompressed gRPC message.
func grpcMessage(p string) []byte {
	b := make([]byte, 5, 5+len(p))
	binary.BigEndian.PutUint32(b[1:], uint32(len(p)))
	return append(b, p...)
}

// A request refused for an empty header name, the DATA the client had sent
// on it, then a good request on stream 3: stream 1 is reset (PROTOCOL_ERROR,
// then STREAM_CLOSED for its DATA), no GOAWAY, and stream 3 is answered
// with its message and grpc-status 0. Before the fix the refused id stayed
// idle and its DATA drew GOAWAY("DATA on idle stream 1"), losing stream 3.
func TestHostileRefusedHeadersCloseTheirStream(t *testing.T) {
	addr := hostileServer(t, h2.Limits{}, grpcEcho)
	p := h2test.Dial(t, addr)
	p.Handshake()
	bad := p.RequestBlock("/echo", "", "empty name")
	if err := p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: bad, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.Fr.WriteData(1, true, grpcMessage("lost")); err != nil {
		t.Fatal(err)
	}
	if err := p.Request(3, "/echo", false); err != nil {
		t.Fatal(err)
	}
	want := grpcMessage("hello")
	if err := p.Fr.WriteData(3, true, want); err != nil {
		t.Fatal(err)
	}

	var resets []http2.ErrCode // stream 1's, in order
	var status, grpcStatus string
	var body []byte
	f, tr := p.ReadUntil(2*time.Second, func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.GoAwayFrame:
			return true
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 {
				resets = append(resets, f.ErrCode)
			}
			return f.StreamID == 3
		case *http2.MetaHeadersFrame:
			if f.StreamID != 3 {
				return false
			}
			if status == "" {
				status = f.PseudoValue("status")
			} else {
				for _, hf := range f.RegularFields() {
					if hf.Name == "grpc-status" {
						grpcStatus = hf.Value
					}
				}
			}
			return f.StreamEnded()
		case *http2.DataFrame:
			if f.StreamID == 3 {
				body = append(body, f.Data()...)
				return f.StreamEnded()
			}
		}
		return false
	})
	if _, ok := f.(*http2.MetaHeadersFrame); !ok {
		t.Fatalf("want stream 3 answered, ending with its trailers; got %s", tr)
	}
	if status != "200" || string(body) != string(want) || grpcStatus != "0" {
		t.Fatalf("stream 3: :status %q body %q grpc-status %q; want 200 %q 0 (frames %s)", status, body, grpcStatus, want, tr)
	}
	// Stream 1's DATA may still be in flight behind stream 3's answer.
	if len(resets) < 2 {
		_, more := p.ReadUntil(time.Second, func(f http2.Frame) bool {
			if f, ok := f.(*http2.RSTStreamFrame); ok && f.StreamID == 1 {
				resets = append(resets, f.ErrCode)
			}
			_, goAway := f.(*http2.GoAwayFrame)
			return goAway || len(resets) == 2
		})
		tr.Frames = append(tr.Frames, more.Frames...)
	}
	if len(resets) != 2 || resets[0] != http2.ErrCodeProtocol || resets[1] != http2.ErrCodeStreamClosed {
		t.Fatalf("stream 1 reset with %v; want [PROTOCOL_ERROR STREAM_CLOSED] (frames %s)", resets, tr)
	}
	wellServed(t, addr)
}

// A new request on the id of a refused one, or on an id below it, is a
// connection error PROTOCOL_ERROR (RFC 9113 5.1.1); before the fix it
// was served.
func TestHostileRefusedHeadersIDReused(t *testing.T) {
	for _, c := range []struct {
		name      string
		bad, next uint32
	}{
		{"SameID", 1, 1},
		{"LowerID", 5, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := hostileServer(t, h2.Limits{}, grpcEcho)
			p := h2test.Dial(t, addr)
			p.Handshake()
			bad := p.RequestBlock("/echo", "", "empty name")
			if err := p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: c.bad, BlockFragment: bad, EndHeaders: true, EndStream: true}); err != nil {
				t.Fatal(err)
			}
			p.ExpectRST(c.bad, http2.ErrCodeProtocol, time.Second)
			if err := p.Request(c.next, "/echo", true); err != nil {
				t.Fatal(err)
			}
			p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
			wellServed(t, addr)
		})
	}
}

// A HEADERS frame whose padding is longer than its payload is a
// connection error PROTOCOL_ERROR (RFC 9113 6.2): its block cannot be
// decoded, so the HPACK state is lost. Before the fix x/net's stream error
// reset stream 1 only, and the next request died of COMPRESSION_ERROR.
func TestHostileHeadersPaddingTooLong(t *testing.T) {
	addr := hostileServer(t, h2.Limits{}, grpcEcho)
	p := h2test.Dial(t, addr)
	p.Handshake()
	block := p.RequestBlock("/echo")
	payload := append([]byte{byte(len(block) + 1)}, block...) // pad length past the end
	if err := p.WriteRaw(http2.FrameHeaders, http2.FlagHeadersEndHeaders|http2.FlagHeadersPadded|http2.FlagHeadersEndStream, 1, payload); err != nil {
		t.Fatal(err)
	}
	p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
	wellServed(t, addr)
}
