package streamx_test

import (
	"context"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// BenchmarkUnary measures sequential unary calls over loopback, both sides
// in this process; with -benchmem its allocs/op is the whole round trip's:
//
//	go test -run '^$' -bench Unary -benchmem ./protocol/streamx/
func BenchmarkUnary(b *testing.B) {
	conn := dial(b, testenv.Serve(b, testgreeter.NewService()))
	ctx := context.Background()
	req := greeter.Req("world")
	b.ResetTimer()
	for range b.N {
		r, err := greeter.SayHello.Call(ctx, conn, req)
		if err != nil || r.GetMessage() != "Hello, world" {
			b.Fatalf("got %v, %v", r, err)
		}
	}
}
