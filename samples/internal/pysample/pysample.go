// Package pysample runs the Go counterparts of dubbo-python's own samples
// (its git tag 3.0.0b1, samples/): the flags, the port and the output that
// those samples' server.py and client.py use.
package pysample

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbogo/gost/log/logger"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// Port is the port dubbo-python's samples serve and call.
const Port = 50051

// ServerMain serves svc on -host (default 127.0.0.1) and -port (default
// 50051) until SIGINT or SIGTERM.
func ServerMain(svc *streamx.Service) {
	port := flag.Int("port", Port, "port to listen on")
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
	if err := streamx.Register(srv, svc); err != nil {
		fail(err)
	}
	fmt.Printf("%s provider listening on %s:%d\n", svc.Reference(), *host, *port)
	if err := srv.Serve(); err != nil {
		fail(err)
	}
}

// ClientMain parses -url (default tri://127.0.0.1:50051), dials service
// and runs fn with a 30 s deadline; an error fn returns is printed on
// stderr and exits 1.
func ClientMain(service string, fn func(ctx context.Context, conn *client.Connection) error) {
	url := flag.String("url", fmt.Sprintf("tri://127.0.0.1:%d", Port), "provider URL")
	parseFlags()
	cli, err := client.NewClient()
	if err != nil {
		fail(err)
	}
	conn, err := cli.Dial(service, client.WithURL(*url))
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fn(ctx, conn); err != nil {
		fail(err)
	}
}

// PyBytes returns b as Python's repr of a bytes value prints it (b'...'),
// so that a Go sample prints what dubbo-python's sample prints.
func PyBytes(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var s strings.Builder
	s.WriteString("b")
	s.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&s, `\x%02x`, c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(quote)
	return s.String()
}

// parseFlags parses the flags; without -v only dubbo-go's warnings and
// errors are logged.
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
