// Command go-server is the Go counterpart of dubbo-python's
// samples/helloworld/server.py: it serves org.apache.dubbo.samples.HelloWorld
// on -host 127.0.0.1, -port 50051.
package main

import (
	"github.com/dubbo-go-streamx/streamx/samples/helloworld"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
)

func main() { pysample.ServerMain(helloworld.NewService()) }
