// Command go-client is the Go counterpart of dubbo-python's
// samples/serialization/json/client.py: it calls unary with
// {"name": "dubbo-python", "age": 18} at -url (default
// tri://127.0.0.1:50051) and prints the reply's message.
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/internal/pysample"
	sample "github.com/dubbo-go-streamx/streamx/samples/serialization/json"
)

func main() {
	pysample.ClientMain(sample.ServiceName, func(ctx context.Context, conn *client.Connection) error {
		reply, err := sample.Unary.Call(ctx, conn, sample.ClientRequest)
		if err != nil {
			return err
		}
		fmt.Println(reply.Message)
		return nil
	})
}
