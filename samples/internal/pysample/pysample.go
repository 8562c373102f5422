// Package pysample runs the Go counterparts of dubbo-python's own samples
// (its git tag 3.0.0b1, samples/): the flags, the port and the output that
// those samples' server.py and client.py use.
package pysample

import (
	"context"
	"fmt"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
)

// Port is the port dubbo-python's samples serve and call.
const Port = 50051

// ServerMain serves svc on -host (default 127.0.0.1) and -port (default
// 50051) until Enter is pressed, or SIGINT or SIGTERM, printing "Press
// Enter to stop the server..." as dubbo-python's samples do.
func ServerMain(svc *streamx.Service) {
	run.Server(svc, Port, "port to listen on", func(string, int) { run.StopOnEnter() })
}

// ClientMain parses -url (default tri://127.0.0.1:50051), dials service
// and runs fn with a 30 s deadline; an error fn returns is printed on
// stderr and exits 1.
func ClientMain(service string, fn func(ctx context.Context, conn *client.Connection) error) {
	run.Client(service, fmt.Sprintf("tri://127.0.0.1:%d", Port), fn)
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
