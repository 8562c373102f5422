package otel_test

import (
	"context"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	streamxotel "github.com/dubbo-go-streamx/streamx/otel"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

func init() {
	// Every span sampled and recorded, none exported: the instrumentation's
	// own cost.
	sampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	streamx.RegisterInterceptor("otel-bench", func(*common.URL) (streamx.Interceptor, error) {
		return streamxotel.NewInterceptor(streamxotel.WithTracerProvider(sampled)), nil
	})
}

// BenchmarkBidiMessage is one message each way on an open bidi stream,
// in memory, without interceptors and with tracing on both sides: the
// difference is what tracing costs per message (two rpc.message events a
// side).
//
//	go test -run '^$' -bench BidiMessage -count 5 ./otel/
func BenchmarkBidiMessage(b *testing.B) {
	for _, tc := range []struct{ name, filter string }{
		{"plain", ""},
		{"traced", "otel-bench"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := streamxtest.New(newService(), server.WithFilter(tc.filter), server.WithVersion("bench-"+tc.name))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			conn, err := s.Dial(client.WithFilter(tc.filter), client.WithVersion("bench-"+tc.name))
			if err != nil {
				b.Fatal(err)
			}
			st, err := chat.Open(context.Background(), conn)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			req := &pb.GreeterRequest{Name: "0123456789abcdef"}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := st.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := st.Read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
