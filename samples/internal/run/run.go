// Package run is the samples' program scaffolding: flags, a provider
// served until SIGINT or SIGTERM, and a consumer call with a deadline.
package run

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// Server serves svc on -host (default 127.0.0.1) and -port (default
// defPort, portHelp its flag text) until SIGINT or SIGTERM; once svc is
// registered it calls started, which announces the server.
func Server(svc *streamx.Service, defPort int, portHelp string, started func(host string, port int)) {
	port := flag.Int("port", defPort, portHelp)
	host := flag.String("host", "127.0.0.1", "address to listen on")
	parseFlags()
	if *port <= 0 || *port > 65535 {
		Fail(fmt.Errorf("-port %d is not a port number", *port))
	}
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp(*host), protocol.WithPort(*port)))
	if err != nil {
		Fail(err)
	}
	if err := streamx.Register(srv, svc); err != nil {
		Fail(err)
	}
	started(*host, *port)
	// Serve returns after dubbo-go's graceful shutdown, which its own
	// signal handler starts. ServeContext with a signal context would not
	// wait: it passes the cancelled context on to the shutdown, which
	// returns at once, and main's return would cut open streams.
	if err := srv.Serve(); err != nil {
		Fail(err)
	}
}

// Client parses -url (default defURL), dials service and runs fn with a
// 30 s deadline; an error from fn is printed on stderr and exits 1.
func Client(service, defURL string, fn func(ctx context.Context, conn *client.Connection) error) {
	url := flag.String("url", defURL, "provider URL")
	parseFlags()
	cli, err := client.NewClient()
	if err != nil {
		Fail(err)
	}
	conn, err := cli.Dial(service, client.WithURL(*url))
	if err != nil {
		Fail(err)
	}
	call(conn, fn)
}

// call runs fn on conn with a 30 s deadline; an error from fn is printed
// on stderr and exits 1.
func call(conn *client.Connection, fn func(ctx context.Context, conn *client.Connection) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fn(ctx, conn); err != nil {
		cancel()
		Fail(err)
	}
}

// StopOnEnter prints "Press Enter to stop the server..." as dubbo-python's
// sample servers do, and stops the server when a line arrives on stdin.
// End of input (stdin closed or /dev/null) leaves it serving until a signal.
func StopOnEnter() {
	fmt.Println("Press Enter to stop the server...")
	go func() {
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return
		}
		// dubbo-go's Serve stops only by its own signal handler, which
		// runs the graceful shutdown; a signal to self is the way in.
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			Fail(fmt.Errorf("stopping: %w", err))
		}
	}()
}

// parseFlags parses the flags. dubbo-go logs on stderr, so stdout is what
// the sample prints; -v adds dubbo-go's info lines to its warnings.
func parseFlags() {
	verbose := flag.Bool("v", false, "log dubbo-go's info messages")
	flag.Parse()
	level := "warn"
	if *verbose {
		level = "info"
	}
	if err := config.LogToStderr(level); err != nil {
		Fail(err)
	}
}

// Fail prints err on stderr and exits 1.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
