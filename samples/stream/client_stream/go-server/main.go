// Command go-server runs the Greeter provider (every call kind) on -port.
package main

import "github.com/dubbo-go-streamx/streamx/samples/greeter"

func main() { greeter.ServerMain() }
