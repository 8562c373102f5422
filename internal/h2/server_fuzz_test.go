package h2_test

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

var request = []string{":method", "POST", ":scheme", "http", ":authority", "x", ":path", "/echo", "content-type", "application/grpc"}

// FuzzServerConn feeds any bytes, after the client preface, to a provider
// connection whose handler echoes the request body. Whatever arrives, the
// connection ends once the client has sent everything and closed (no
// spinning, no hang), its handlers return, and nothing panics.
func FuzzServerConn(f *testing.F) {
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings()
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(request...), EndHeaders: true})
		_ = fr.WriteData(1, true, []byte{0, 0, 0, 0, 2, 8, 1})
	}))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 0})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(request...), EndHeaders: true, EndStream: true})
	}))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		_ = fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block(request...), EndHeaders: true})
		_ = fr.WriteWindowUpdate(1, 1<<31-1)
		_ = fr.WriteWindowUpdate(0, 1<<31-1)
		_ = fr.WriteRSTStream(1, http2.ErrCodeCancel)
		_ = fr.WriteData(1, false, []byte("late"))
		_ = fr.WritePing(false, [8]byte{})
		_ = fr.WritePriority(3, http2.PriorityParam{StreamDep: 3})
	}))
	f.Add(h2test.Frames(func(fr *http2.Framer, block func(...string) []byte) {
		b := block(request...)
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: b[:3]})
		for i := 0; i < 20; i++ {
			_ = fr.WriteContinuation(1, false, nil)
		}
		_ = fr.WriteContinuation(1, true, b[3:])
		_ = fr.WriteGoAway(0, http2.ErrCodeNo, nil)
	}))
	srv := h2.NewServer(h2.ServerConfig{CloseWait: time.Second, Limits: h2.Limits{MaxContinuations: 8}})
	f.Cleanup(srv.Close)
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) })
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		served := make(chan struct{})
		go func() {
			defer close(served)
			srv.ServeConn(a, false, nil, echo)
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, b)
		}()
		_ = b.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, _ = b.Write([]byte(http2.ClientPreface))
		_, _ = b.Write(data)
		_ = b.Close()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Fatalf("the connection did not end within 5 s of the client closing it (%d bytes sent)", len(data))
		}
		<-drained
	})
}
