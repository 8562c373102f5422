// The connect-go side of the benchmark, in a module of its own so that it
// runs the newest connect-go whatever the main module pins.
module github.com/dubbo-go-streamx/streamx/bench/peers/connect

go 1.26.0

require (
	connectrpc.com/connect v1.21.1
	github.com/dubbo-go-streamx/streamx v0.0.0
)

require google.golang.org/protobuf v1.36.12 // indirect

replace github.com/dubbo-go-streamx/streamx => ../../..
