package greeter

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// ServerMain runs the Greeter provider until SIGINT or SIGTERM. Its port
// comes from -port, else $STREAMX_PORT, else 20000; it listens on -host
// (default 127.0.0.1).
func ServerMain() {
	def := 20000
	if v := os.Getenv("STREAMX_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			fail(fmt.Errorf("STREAMX_PORT=%q is not a port number", v))
		}
		def = p
	}
	port := flag.Int("port", def, "port to listen on (env STREAMX_PORT)")
	host := flag.String("host", "127.0.0.1", "address to listen on")
	parseFlags()
	if *port <= 0 || *port > 65535 {
		fail(fmt.Errorf("-port %d is not a port number", *port))
	}
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp(*host), protocol.WithPort(*port)))
	if err != nil {
		fail(err)
	}
	if err := streamx.Register(srv, NewService()); err != nil {
		fail(err)
	}
	fmt.Printf("Greeter provider listening on %s:%d\n", *host, *port)
	// Serve returns after dubbo-go's graceful shutdown, which its own
	// signal handler starts. ServeContext with a signal context would not
	// wait: it passes the cancelled context on to the shutdown, which
	// returns at once, and main's return would cut open streams.
	if err := srv.Serve(); err != nil {
		fail(err)
	}
}

// ClientMain parses -url (default tri://127.0.0.1:20000), dials the Greeter
// and runs fn with a 30 s deadline, printing what fn returns as an error.
func ClientMain(fn func(ctx context.Context, conn *client.Connection) error) {
	url := flag.String("url", "tri://127.0.0.1:20000", "provider URL")
	parseFlags()
	cli, err := client.NewClient()
	if err != nil {
		fail(err)
	}
	conn, err := cli.Dial(ServiceName, client.WithURL(*url))
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fn(ctx, conn); err != nil {
		fail(err)
	}
}

// parseFlags parses the flags; without -v only dubbo-go's warnings and
// errors are logged, so the sample's own output stands out.
func parseFlags() {
	verbose := flag.Bool("v", false, "log dubbo-go's info messages")
	flag.Parse()
	if !*verbose {
		logger.SetLoggerLevel("warn")
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
