package streamx_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

var bigEcho = streamx.NewBidiStream[greeter.Request, greeter.Reply]("bigEcho")

// Messages from empty to 3 MiB, small and large in turn, echoed on a bidi
// stream, arrive intact and in order both ways while every pooled buffer
// given back is poisoned: the large ones travel from the encoder's pooled
// buffer without a copy into the send queue, and a buffer given back
// before its bytes were written would show. All of them go back.
func TestLargeMessagesEchoIntact(t *testing.T) {
	noLeaks(t)
	defer mem.SetPoison(mem.SetPoison(true))
	base := mem.Outstanding()
	svc := streamx.NewService(greeter.ServiceName)
	bigEcho.Handle(svc, func(_ context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		for {
			r, err := s.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.Write(&pb.GreeterReply{Message: r.Name}); err != nil {
				return err
			}
		}
	})
	url := testenv.Serve(t, svc)
	s, err := bigEcho.Open(ctxT(t), dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 16, 9000, 100, 64 << 10, 20, 1 << 20, 8 << 10, 3 << 20, 16 << 10, 1 << 20}
	names := make([]string, len(sizes))
	for i, n := range sizes {
		names[i] = strings.Repeat(string(rune('a'+i)), n)
	}
	sent := make(chan error, 1)
	go func() {
		for _, name := range names {
			if err := s.Write(greeter.Req(name)); err != nil {
				sent <- err
				return
			}
		}
		sent <- s.DoneWriting()
	}()
	for i, name := range names {
		r, err := s.Read()
		if err != nil {
			t.Fatalf("reply %d (%d bytes): %v", i, len(name), err)
		}
		if r.Message != name {
			t.Fatalf("reply %d (%d bytes) differs from what was sent", i, len(name))
		}
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the replies: %v, want io.EOF", err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); mem.Outstanding() != base; {
		if time.Now().After(deadline) {
			t.Fatalf("%d pooled buffers not given back", mem.Outstanding()-base)
		}
		time.Sleep(time.Millisecond)
	}
}
