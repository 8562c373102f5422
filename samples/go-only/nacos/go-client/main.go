// Command go-client discovers the Greeter provider in Nacos and calls it in
// all four kinds, configured by the dubbogo.yml beside it alone. NACOS_ADDR
// and REGISTRY_TYPE override it.
package main

import "github.com/dubbo-go-streamx/streamx/samples/greeter"

func main() { greeter.ConfigClientMain("greeter") }
