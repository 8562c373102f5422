// Command go-server is the Greeter provider registered in Zookeeper, at
// interface level so dubbo-python consumers find it, configured by the
// dubbogo.yml beside it alone. ZK_ADDR and STREAMX_PORT override the
// addresses; run it from this folder or pass -conf.
package main

import (
	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper" // also sees dubbo-python providers

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() { greeter.ConfigServerMain() }
