package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// burst is 32 messages of 4 KiB: the queue and its spare grow to hold
// many of them.
func burst(n int) [][]byte {
	msgs := make([][]byte, 32)
	for i := range msgs {
		msgs[i] = bytes.Repeat([]byte{byte('a' + (n*32+i)%26)}, 4<<10)
	}
	return msgs
}

// idleOut waits, as Finish does, for the writer to stop and returns what
// the stream then keeps.
func idleOut(mu sync.Locker, out **batcher) *batcher {
	mu.Lock()
	defer mu.Unlock()
	drain(out)
	return *out
}

// A provider stream that has written a burst keeps no batcher, so none of
// the burst's buffers: before, an idle stream kept two of up to 64 KiB
// each. The next burst makes a new one, and every message arrives in
// order.
func TestServerStreamIdleKeepsNoBatcher(t *testing.T) {
	ss, w := request(t, "proto")
	var want []byte
	for n := range 3 {
		for _, m := range burst(n) {
			if err := ss.Write(m); err != nil {
				t.Fatal(err)
			}
			want = AppendFrame(want, m, false)
		}
		if b := idleOut(&ss.mu, &ss.out); b != nil {
			t.Fatalf("after burst %d the stream keeps its batcher (queue %d, spare %d bytes, err %v)",
				n, cap(b.queue), cap(b.spare), b.err)
		}
	}
	ss.Finish(nil)
	if !bytes.Equal(w.Body.Bytes(), want) {
		t.Fatalf("the body has %d bytes, want the %d sent, in order", w.Body.Len(), len(want))
	}
}

// The consumer's side, through a real HTTP/2 connection: after each burst
// the stream keeps no batcher; the provider counts every byte, in order.
func TestClientStreamIdleKeepsNoBatcher(t *testing.T) {
	addr := serveEcho(t, func(ss *ServerStream) error {
		msgs, err := readAll(ss)
		if !errors.Is(err, io.EOF) {
			return status.From(err)
		}
		got := strings.Join(msgs, "")
		sum := 0
		for i, c := range got {
			sum += (i + 1) * int(c)
		}
		if err := ss.Write([]byte(strconv.Itoa(len(got)) + " " + strconv.Itoa(sum))); err != nil {
			return status.From(err)
		}
		return nil
	})
	c := NewClient(addr, nil, testSettings)
	defer c.Close()
	s := c.NewStream(t.Context(), "/svc/m", nil, "proto")
	s.Start()
	var sent []byte
	for n := range 3 {
		for _, m := range burst(n) {
			if err := s.Write(m); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, m...)
		}
		if b := idleOut(&s.wmu, &s.out); b != nil {
			t.Fatalf("after burst %d the stream keeps its batcher (queue %d, spare %d bytes, err %v)",
				n, cap(b.queue), cap(b.spare), b.err)
		}
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, c := range sent {
		sum += (i + 1) * int(c)
	}
	want := strconv.Itoa(len(sent)) + " " + strconv.Itoa(sum)
	if got, err := s.Read(); err != nil || string(got) != want {
		t.Fatalf("provider got %q, %v; want %q", got, err, want)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the reply: %v, want io.EOF", err)
	}
}

// openStream opens a started stream to addr ("/svc/m", proto) on a client
// of its own with settings set, closed when the test ends.
func openStream(t *testing.T, addr string, set Settings) *ClientStream {
	t.Helper()
	c := NewClient(addr, nil, set)
	t.Cleanup(c.Close)
	s := c.NewStream(t.Context(), "/svc/m", nil, "proto")
	s.Start()
	return s
}

// eachMessage is a handler that passes every request message to each,
// until the consumer ends its side.
func eachMessage(each func(m []byte)) func(*ServerStream) error {
	return func(ss *ServerStream) error {
		for {
			m, err := ss.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return status.From(err)
			}
			each(m)
		}
	}
}

// serveEcho serves handle over HTTP/2 (h2c) on loopback, as the streamx
// endpoint does, and returns its address.
func serveEcho(t *testing.T, handle func(*ServerStream) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	hs := &http.Server{Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := Accept(w, r, testSettings, func(string) bool { return true })
		if err != nil {
			return
		}
		defer ss.Release()
		ss.Finish(handle(ss))
	})}
	h2 := h2.NewServer(h2.ServerConfig{Limits: h2.Limits{StreamWindow: 1 << 16, ConnWindow: 1 << 20}})
	h2.Install(hs)
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		h2.Close()
		<-served
	})
	return ln.Addr().String()
}

// A lone message (one long after the stream's last burst) is written by
// the caller: when Write returns, no batcher is left and nothing waits in
// a goroutine. The first message on a stream is not lone (the stream may
// still be connecting). The provider gets each message.
func TestLoneMessageWrittenByCaller(t *testing.T) {
	got := make(chan string, 4)
	s := openStream(t, serveEcho(t, eachMessage(func(m []byte) { got <- string(m) })), testSettings)
	s.wmu.Lock()
	lone := s.pace.lone()
	s.wmu.Unlock()
	if lone {
		t.Fatal("the first message on a stream counts as lone")
	}
	for _, m := range []string{"first", "one", "two", "three"} {
		if err := s.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
		if m == "first" {
			idleOut(&s.wmu, &s.out) // written by a writer goroutine
		} else {
			s.wmu.Lock()
			left := s.out
			s.wmu.Unlock()
			if left != nil {
				t.Fatalf("after the lone message %q a batcher is still writing", m)
			}
		}
		if g := <-got; g != m {
			t.Fatalf("provider got %q, want %q", g, m)
		}
		// The next one is lone: the stream has been idle long enough.
		s.wmu.Lock()
		s.pace.idleAt = s.pace.idleAt.Add(-2 * lonePause)
		s.wmu.Unlock()
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read: %v, want io.EOF", err)
	}
}
