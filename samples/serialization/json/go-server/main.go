// Command go-server is the Go counterpart of dubbo-python's
// samples/serialization/json/server.py: it serves
// org.apache.dubbo.samples.serialization.json on -host 127.0.0.1,
// -port 50051.
package main

import (
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	sample "github.com/dubbo-go-streamx/streamx/samples/serialization/json"
)

func main() { pysample.ServerMain(sample.NewService()) }
