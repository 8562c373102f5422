package greeter

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
)

// ServerMain runs the Greeter provider until SIGINT or SIGTERM. Its port
// comes from -port, else $STREAMX_PORT, else 20000; it listens on -host
// (default 127.0.0.1).
func ServerMain() {
	def := 20000
	if v := os.Getenv("STREAMX_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			run.Fail(fmt.Errorf("STREAMX_PORT=%q is not a port number", v))
		}
		def = p
	}
	run.Server(NewService(), def, "port to listen on (env STREAMX_PORT)", func(host string, port int) {
		fmt.Printf("Greeter provider listening on %s:%d\n", host, port)
	})
}

// ClientMain parses -url (default tri://127.0.0.1:20000), dials the Greeter
// and runs fn with a 30 s deadline, printing what fn returns as an error.
func ClientMain(fn func(ctx context.Context, conn *client.Connection) error) {
	run.Client(ServiceName, "tri://127.0.0.1:20000", fn)
}
