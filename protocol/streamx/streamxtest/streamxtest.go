// Package streamxtest serves streamx services in memory, for tests: no
// port is taken, and nothing can take it first. The whole stack runs as
// over TCP (dubbo-go's filters, HTTP/2 with its flow control, deadlines,
// metadata, status codes); only the bytes move through memory, like
// grpc-go's bufconn.
package streamxtest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
	"github.com/dubbo-go-streamx/streamx/internal/memnet"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// Server is one service served in memory. Its methods are safe for
// concurrent use.
type Server struct {
	name  string
	url   string
	unexp func()
	once  sync.Once
}

var next atomic.Int64

// New serves svc in memory with dubbo-go's service options (group,
// version, filters...). Close stops it.
func New(svc *streamx.Service, opts ...server.ServiceOption) (*Server, error) {
	if svc == nil {
		return nil, errors.New("streamxtest: New of a nil *streamx.Service")
	}
	// A host no resolver knows (.invalid is reserved for that), one per
	// server, so that an address can never reach the network.
	host := fmt.Sprintf("streamxtest-%d.invalid", next.Add(1))
	addr := host + ":1"
	if err := memnet.Claim(addr); err != nil {
		return nil, err
	}
	srv, err := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp(host), protocol.WithPort(1)))
	if err == nil {
		err = streamx.Register(srv, svc, opts...)
	}
	var unexport func()
	if err == nil {
		unexport, err = dubboext.ExportAlone(srv, svc.Reference())
	}
	if err != nil {
		return nil, err
	}
	return &Server{name: svc.Reference(), url: "tri://" + addr, unexp: unexport}, nil
}

// URL is the service's direct URL, for client.WithURL.
func (s *Server) URL() string { return s.url }

// Dial returns a connection to the service, with dubbo-go's reference
// options (timeouts, filters, group, version...).
func (s *Server) Dial(opts ...client.ReferenceOption) (*client.Connection, error) {
	cli, err := client.NewClient()
	if err != nil {
		return nil, err
	}
	return cli.Dial(s.name, append([]client.ReferenceOption{client.WithURL(s.url)}, opts...)...)
}

// Close stops serving, as a provider that shuts down: open streams end,
// and new calls fail as refused connections. It is idempotent.
func (s *Server) Close() {
	s.once.Do(s.unexp)
}

// Serve serves svc in memory for the rest of t and returns a connection to
// it. It fails t on error; the server closes when t ends.
func Serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) *client.Connection {
	t.Helper()
	s, err := New(svc, opts...)
	if err != nil {
		t.Fatalf("streamxtest: serve: %v", err)
	}
	t.Cleanup(s.Close)
	conn, err := s.Dial()
	if err != nil {
		t.Fatalf("streamxtest: dial %s: %v", s.url, err)
	}
	return conn
}
