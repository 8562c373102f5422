// Command go-server is the Greeter provider registered in Nacos, configured
// by the dubbogo.yml beside it alone. NACOS_ADDR, STREAMX_PORT and
// REGISTRY_TYPE (interface or service) override it; run it from this
// folder or pass -conf.
package main

import "github.com/dubbo-go-streamx/streamx/samples/greeter"

func main() { greeter.ConfigServerMain() }
