package h2_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// FuzzClientConn answers a consumer's call with any bytes (a provider's
// SETTINGS come first in the seeds, not necessarily in what the fuzzer
// makes of them) and then closes. Whatever it sends, the call ends soon
// after its deadline (the bound leaves room for a loaded machine) and
// nothing panics.
func FuzzClientConn(f *testing.F) {
	ok := func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings()
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(":status", "200", "content-type", "application/grpc"), EndHeaders: true})
		_ = fr.WriteData(1, false, []byte{0, 0, 0, 0, 1, 'x'})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block("grpc-status", "0"), EndHeaders: true, EndStream: true})
	}
	f.Add(h2test.Frames(ok))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 0})
	}))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 31})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 2, BlockFragment: block(":status", "200"), EndHeaders: true, EndStream: true})
		_ = fr.WriteData(5, true, []byte("x"))
		_ = fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: block(":status", "200"), EndHeaders: true})
	}))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings()
		for i := 0; i < 50; i++ {
			_ = fr.WritePing(false, [8]byte{byte(i)})
		}
		_ = fr.WriteWindowUpdate(0, 1<<31-1)
		_ = fr.WriteGoAway(0, http2.ErrCodeEnhanceYourCalm, []byte("bye"))
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			go func() { _, _ = io.Copy(io.Discard, nc) }()
			_ = nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
			_, _ = nc.Write(data)
		}()
		tr := h2.NewClient(ln.Addr().String(), nil, h2.Limits{})
		defer tr.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		got := make(chan answer, 1)
		if _, err := tr.Open(ctx, "/fuzz", grpcHeader, []byte("req"), func(r *http.Response, err error) { got <- answer{r, err} }); err != nil {
			return // refused before any stream: fine
		}
		var a answer
		select {
		case a = <-got:
		case <-time.After(3 * time.Second):
			t.Fatal("no response nor error within 3 s of a 500 ms deadline")
		}
		if a.err == nil {
			_, _ = io.Copy(io.Discard, a.resp.Body) // must end too
			_ = a.resp.Body.Close()
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("the call took %v with a 500 ms deadline", d)
		}
	})
}
