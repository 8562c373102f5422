// Command go-client calls the Greeter's unary sayHello at -url.
package main

import (
	"context"
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() {
	greeter.ClientMain(func(ctx context.Context, conn *client.Connection) error {
		reply, err := greeter.SayHello.Call(ctx, conn, greeter.Req("world"))
		if err != nil {
			return err
		}
		fmt.Println("unary reply:", reply.Message)
		return nil
	})
}
