package h2_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
	"github.com/dubbo-go-streamx/streamx/internal/memnet"
)

// stopWatchListener hands out TCP connections that tell (stopped) when the
// server stops writing to the first of them: CloseWrite or Close.
type stopWatchListener struct {
	net.Listener
	stopped chan struct{}
	once    sync.Once
}

func (l *stopWatchListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &stopWatchConn{TCPConn: nc.(*net.TCPConn), l: l}, nil
}

func (l *stopWatchListener) stop() { l.once.Do(func() { close(l.stopped) }) }

type stopWatchConn struct {
	*net.TCPConn
	l *stopWatchListener
}

func (c *stopWatchConn) CloseWrite() error {
	err := c.TCPConn.CloseWrite()
	c.l.stop()
	return err
}

func (c *stopWatchConn) Close() error {
	err := c.TCPConn.Close()
	c.l.stop()
	return err
}

// A consumer still sending on a stream when the provider, shutting down
// gracefully, has answered it and closes the connection: the consumer
// reads the whole reply (headers, body, trailers) and then a clean end of
// the connection, and its writes meanwhile are not reset. The reply is
// larger than the consumer's socket buffer, so that part of it is still in
// the provider's kernel when the provider stops writing: a socket closed
// with the consumer's DATA arriving answers with a TCP reset, which
// discards that part (and fails the consumer's next write).
func TestGracefulCloseKeepsTheLastReply(t *testing.T) {
	const replySize = 256 << 10
	reply := bytes.Repeat([]byte("r"), replySize)
	entered, release := make(chan struct{}), make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl := &stopWatchListener{Listener: ln, stopped: make(chan struct{})}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Header().Set("Content-Type", "application/grpc")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(reply)
		w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
		// Returns with the request body still open.
	})}
	h2 := h2.NewServer(h2.ServerConfig{Limits: h2.Limits{}, CloseWait: 2 * time.Second})
	h2.Install(hs)
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(sl) }()
	t.Cleanup(func() {
		_ = hs.Close()
		h2.Close()
		<-served
	})

	c := h2test.Dial(t, ln.Addr().String())
	// A receive buffer smaller than the reply (but not so small that TCP
	// crawls): the rest of the reply waits in the provider's kernel until
	// the consumer reads.
	if err := c.Conn.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	c.Handshake(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
	if err := c.Fr.WriteWindowUpdate(0, 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := c.Request(1, "/answer", false); err != nil {
		t.Fatal(err)
	}
	if err := c.Fr.WriteData(1, false, []byte("first")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not start")
	}
	h2.Shutdown() // GOAWAY; the connection closes after the stream
	close(release)
	select {
	case <-sl.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the provider did not stop writing after its last stream")
	}

	// The consumer goes on sending before it reads what came.
	var writeErrs []error
	for range 2 {
		if err := c.Fr.WriteData(1, false, []byte("more")); err != nil {
			writeErrs = append(writeErrs, err)
		}
	}
	var (
		status, grpcStatus string
		body               []byte
		frames             []string
		end                error
	)
	for end == nil {
		f, err := c.Next(5 * time.Second)
		if err != nil {
			end = err
			break
		}
		frames = append(frames, h2test.Describe(f))
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if status == "" {
				status = f.PseudoValue("status")
			} else {
				for _, hf := range f.RegularFields() {
					if hf.Name == "grpc-status" {
						grpcStatus = hf.Value
					}
				}
			}
		case *http2.DataFrame:
			body = append(body, f.Data()...)
		}
	}
	if status != "200" || len(body) != replySize || grpcStatus != "0" {
		t.Fatalf("reply: status %q, %d of %d body bytes, grpc-status %q; frames %d, last %q; then %v",
			status, len(body), replySize, grpcStatus, len(frames), frames[len(frames)-1], end)
	}
	if !errors.Is(end, io.EOF) {
		t.Fatalf("after the reply: %v, want a clean end of the connection (EOF)", end)
	}
	if len(writeErrs) > 0 {
		t.Fatalf("writes after the provider's last frame: %v", writeErrs)
	}
	// The provider is still reading (and dropping) what the consumer sends.
	if err := c.Fr.WriteData(1, false, []byte("late")); err != nil {
		t.Fatalf("write after the provider's end: %v", err)
	}
}

// The same over an in-memory connection (memnet, as streamxtest serves):
// after the provider's last frames and its end of the connection, the
// consumer's writes still go (and are dropped) until the consumer closes.
func TestGracefulCloseInMemory(t *testing.T) {
	cEnd, pEnd := memnet.Pipe(memnet.Addr("consumer"), memnet.Addr("provider"))
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Header().Set("Content-Type", "application/grpc")
		_, _ = w.Write([]byte("reply"))
		w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
	})
	h2 := h2.NewServer(h2.ServerConfig{CloseWait: 2 * time.Second})
	served := make(chan struct{})
	go func() { defer close(served); h2.ServeConn(pEnd, false, nil, h) }()
	c := h2test.Client(t, cEnd)
	t.Cleanup(func() {
		_ = cEnd.Close()
		<-served
		h2.Close()
	})
	c.Handshake()
	if err := c.Request(1, "/answer", false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not start")
	}
	h2.Shutdown()
	close(release)
	var body []byte
	f, trace := c.ReadUntil(5*time.Second, func(f http2.Frame) bool {
		if d, ok := f.(*http2.DataFrame); ok {
			body = append(body, d.Data()...)
		}
		h, ok := f.(*http2.MetaHeadersFrame)
		return ok && h.StreamEnded()
	})
	if f == nil || string(body) != "reply" {
		t.Fatalf("want the reply %q and its trailers; got %s", "reply", trace)
	}
	c.ExpectClosed(5 * time.Second) // the provider's end: EOF
	if err := c.Fr.WriteData(1, false, []byte("late")); err != nil {
		t.Fatalf("write after the provider's end: %v", err)
	}
}

// A graceful shutdown that finds a connection still waiting for the
// client's preface sends its GOAWAY after our SETTINGS, never before (RFC
// 9113 3.4: the server's preface is a SETTINGS frame), and does not wait
// the whole preface timeout for a client that says nothing.
func TestShutdownBeforePrefaceSendsSettingsFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h2 := h2.NewServer(h2.ServerConfig{CloseWait: 2 * time.Second})
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			h2.ServeConn(nc, false, nil, http.NotFoundHandler())
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-served
		h2.Close()
	})

	// A client that sends its preface after the shutdown began.
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	h2test.Eventually(t, 5*time.Second, func() bool { return h2.Conns() == 1 }, func() string { return "the connection served" })
	h2.Shutdown()
	c := h2test.Client(t, nc)
	f, trace := c.ReadUntil(5*time.Second, func(http2.Frame) bool { return true })
	if sf, ok := f.(*http2.SettingsFrame); !ok || sf.IsAck() {
		t.Fatalf("want our SETTINGS first; got %s", trace)
	}
	if err := c.Fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	c.ExpectGoAway(http2.ErrCodeNo, 5*time.Second)
	c.ExpectClosed(5 * time.Second)
	_ = nc.Close()

	// A client that says nothing is let go within a second or so.
	nc2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	h2test.Eventually(t, 5*time.Second, func() bool { return h2.Conns() == 1 }, func() string { return "the second connection served" })
	began := time.Now()
	h2.Shutdown()
	_ = nc2.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, nc2)
	if took := time.Since(began); h2test.IsTimeout(err) || took > 3*time.Second {
		t.Fatalf("a silent client after the shutdown: connection still open after %v (%v)", took, err)
	}
}
