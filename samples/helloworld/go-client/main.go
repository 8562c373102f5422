// Command go-client is the Go counterpart of dubbo-python's
// samples/helloworld/client.py: it calls unary with b"Hello from client" at
// -url (default tri://127.0.0.1:50051) and prints the reply as client.py
// does (b'Hello from server').
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/helloworld"
	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
)

func main() {
	pysample.ClientMain(helloworld.ServiceName, func(ctx context.Context, conn *client.Connection) error {
		reply, err := helloworld.Unary.Call(ctx, conn, helloworld.Request)
		if err != nil {
			return err
		}
		fmt.Println(pysample.PyBytes(reply))
		return nil
	})
}
