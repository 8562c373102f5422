// Command go-server runs the Greeter provider of every call kind (and the
// slow stream of the timed_read sample) on -host 127.0.0.1, -port 20000.
package main

import "github.com/dubbo-go-streamx/streamx/samples/greeter"

func main() { greeter.ServerMain() }
