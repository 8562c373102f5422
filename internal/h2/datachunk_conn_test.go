package h2_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// sumOf is what "/sum" answers for a body.
func sumOf(b []byte) string { return fmt.Sprintf("%d %x", len(b), sha256.Sum256(b)) }

// A provider reading request bodies sent as DATA frames of every size
// around the chunk path's bounds, padded or not, small ones between, gets
// them intact (recycled chunks are poisoned), also after DATA it drops:
// on a stream whose handler has returned, on a closed stream, by a body
// closed on a live stream, past a content-length. Then a large DATA frame on stream 0, or inside a header
// block, ends the connection with GOAWAY(PROTOCOL_ERROR).
func TestServerLargeData(t *testing.T) {
	h2.PoisonRecycled(t)
	counts := h2.TrackChunks(t)
	defer chunksBack(t, counts)
	h2test.HeapGuard(t, 64<<20)
	release := make(chan struct{})
	addr := hostileServer(t, h2.Limits{}, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/drop":
			return // the body unread, released when the handler returns
		case "/close":
			_ = r.Body.Close() // the stream stays, the body takes no more
			<-release
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, sumOf(b))
	})
	p := h2test.Dial(t, addr)
	p.Handshake()
	sum := func(id uint32, seed int) {
		t.Helper()
		if err := p.Request(id, "/sum", false); err != nil {
			t.Fatal(err)
		}
		want, err := h2.WriteDataCases(p.Fr, id, seed, true)
		if err != nil {
			t.Fatal(err)
		}
		if status, body := p.ExpectResponse(id, 2*time.Second); status != "200" || string(body) != sumOf(want) {
			t.Fatalf("stream %d: HTTP %s %q, want 200 %q", id, status, body, sumOf(want))
		}
	}
	sum(1, 0)

	// Dropped: by a body released, then on the stream closed.
	if err := p.Request(3, "/drop", false); err != nil {
		t.Fatal(err)
	}
	p.ExpectResponse(3, 2*time.Second)
	if _, err := h2.WriteDataCases(p.Fr, 3, 1, false); err != nil {
		t.Fatal(err)
	}
	sum(5, 2)
	// Dropped by a body closed on a live stream.
	if err := p.Request(7, "/close", false); err != nil {
		t.Fatal(err)
	}
	if _, err := h2.WriteDataCases(p.Fr, 7, 4, true); err != nil {
		t.Fatal(err)
	}
	if err := p.Fr.WritePing(false, [8]byte{1}); err != nil {
		t.Fatal(err)
	}
	if f, tr := p.ReadUntil(2*time.Second, func(f http2.Frame) bool { pf, ok := f.(*http2.PingFrame); return ok && pf.IsAck() }); f == nil {
		t.Fatalf("no PING ack, so the DATA may not be read yet: %s", tr)
	}
	close(release)
	p.ExpectResponse(7, 2*time.Second)
	// Past the content-length declared.
	if err := p.Request(9, "/sum", false, "content-length", "10"); err != nil {
		t.Fatal(err)
	}
	if err := p.Fr.WriteData(9, false, make([]byte, 12<<10)); err != nil {
		t.Fatal(err)
	}
	p.ExpectRST(9, http2.ErrCodeProtocol, 2*time.Second)
	sum(11, 3)

	if err := p.WriteRaw(http2.FrameData, 0, 0, make([]byte, 16<<10)); err != nil {
		t.Fatal(err)
	}
	p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
	p.ExpectClosed(time.Second)

	p = h2test.Dial(t, addr)
	p.Handshake()
	if err := p.Fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.RequestBlock("/sum")}); err != nil {
		t.Fatal(err)
	}
	_ = p.Fr.WriteData(1, false, make([]byte, 8<<10))
	p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
	wellServed(t, addr)
}

// A consumer reading response bodies sent as DATA frames of every size
// around the chunk path's bounds gets them intact (recycled chunks are
// poisoned), also after the DATA of a response it stopped reading; then
// a large DATA frame on stream 0 ends the connection with
// GOAWAY(PROTOCOL_ERROR) and fails the call.
func TestClientLargeData(t *testing.T) {
	h2.PoisonRecycled(t)
	counts := h2.TrackChunks(t)
	defer chunksBack(t, counts)
	h2test.HeapGuard(t, 64<<20)
	l, tr := hostileProvider(t, h2.Limits{})
	ctx := callCtx(t, 10*time.Second)
	call := func() <-chan answer {
		got := make(chan answer, 1)
		go func() { // Open waits for the handshake
			if _, err := tr.Open(ctx, "/x", grpcHeader, []byte("x"), func(r *http.Response, err error) { got <- answer{r, err} }); err != nil {
				got <- answer{nil, err}
			}
		}()
		return got
	}
	response := func(got <-chan answer) *http.Response {
		t.Helper()
		select {
		case a := <-got:
			if a.err != nil {
				t.Fatal(a.err)
			}
			return a.resp
		case <-time.After(2 * time.Second):
			t.Fatal("no response within 2 s")
			return nil
		}
	}

	got := call()
	p := l.Accept(2 * time.Second)
	if err := p.TryHandshake(); err != nil {
		t.Fatal(err)
	}
	for i, id := range []uint32{1, 3, 5} {
		if i > 0 {
			got = call()
		}
		requestHeaders(t, p, id)
		if err := p.Respond(id, false); err != nil {
			t.Fatal(err)
		}
		resp := response(got)
		if id == 3 {
			// Closed unread: what follows is dropped.
			_ = resp.Body.Close()
			if _, err := h2.WriteDataCases(p.Fr, id, i, true); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := h2.WriteDataCases(p.Fr, id, i, true)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || !bytes.Equal(b, want) {
			t.Fatalf("stream %d: read %d bytes (%v), differing from the %d sent", id, len(b), err, len(want))
		}
	}

	got = call()
	requestHeaders(t, p, 7)
	if err := p.WriteRaw(http2.FrameData, 0, 0, make([]byte, 16<<10)); err != nil {
		t.Fatal(err)
	}
	p.ExpectGoAway(http2.ErrCodeProtocol, time.Second)
	select {
	case a := <-got:
		if a.err == nil {
			t.Fatal("the call succeeded after DATA on stream 0")
		}
	case <-time.After(time.Second):
		t.Fatal("the call has not failed within 1 s of DATA on stream 0")
	}
	wellCalled(t)
}

// chunksBack fails t unless every chunk tracked goes back to the pool,
// within 2 s, and none went back twice.
func chunksBack(t *testing.T, counts func() (out, twice int)) {
	if t.Failed() {
		return
	}
	h2test.Eventually(t, 2*time.Second, func() bool { out, twice := counts(); return out == 0 && twice == 0 },
		func() string {
			out, twice := counts()
			return fmt.Sprintf("%d chunks out of the pool, %d given back twice", out, twice)
		})
}
