package streamx_test

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

var flood = streamx.NewServerStream[greeter.Request, greeter.Reply]("flood")

// BenchmarkServerStreamRead reads a server stream of 16-byte messages
// with Read and with ReadTimeout (10 s, never expiring) on the same
// transport, both sides in this process: the difference is what timed
// reads cost over plain ones (issue 6 allows 5%).
//
//	go test -run '^$' -bench ServerStreamRead -count 5 ./protocol/streamx/
func BenchmarkServerStreamRead(b *testing.B) {
	svc := streamx.NewService("test.Flood")
	flood.Handle(svc, func(_ context.Context, r greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		n, err := strconv.Atoi(r.Name)
		if err != nil {
			return err
		}
		msg := &pb.GreeterReply{Message: "0123456789abcdef"}
		for range n {
			if err := out.Write(msg); err != nil {
				return err
			}
		}
		return nil
	})
	conn := testenv.Dial(b, "test.Flood", testenv.Serve(b, svc))
	for _, tc := range []struct {
		name string
		read func(*streamx.ReadStream[greeter.Reply]) (greeter.Reply, error)
	}{
		{"Read", (*streamx.ReadStream[greeter.Reply]).Read},
		{"ReadTimeout", func(s *streamx.ReadStream[greeter.Reply]) (greeter.Reply, error) {
			return s.ReadTimeout(10 * time.Second)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := flood.Call(context.Background(), conn, greeter.Req(strconv.Itoa(b.N)))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for range b.N {
				if m, err := tc.read(s); err != nil || len(m.GetMessage()) != 16 {
					b.Fatalf("got %v, %v", m, err)
				}
			}
			b.StopTimer()
			if _, err := s.Read(); err != io.EOF {
				b.Fatalf("after %d messages: %v, want io.EOF", b.N, err)
			}
		})
	}
}
