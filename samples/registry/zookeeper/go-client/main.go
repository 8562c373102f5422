// Command go-client discovers a Greeter provider (Go or dubbo-python) in
// Zookeeper and calls it in all four kinds, configured by the dubbogo.yml
// beside it alone. ZK_ADDR overrides the address.
package main

import (
	_ "github.com/dubbo-go-streamx/streamx/registry/zookeeper" // also sees dubbo-python providers

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() { greeter.ConfigClientMain("greeter") }
