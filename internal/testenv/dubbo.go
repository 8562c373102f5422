package testenv

import (
	"fmt"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/internal/dubboext"
)

// Service is what Serve exports: a *streamx.Service (testenv, being
// internal, does not import the public package; the tests that pass one
// do, and with it streamx's protocol).
type Service interface {
	Reference() string
	Err() error
	Info() *common.ServiceInfo
}

// Serve exports svc from this process on a free 127.0.0.1 port and returns
// its direct URL (tri://127.0.0.1:PORT). It exports the service options
// directly rather than through server.Serve, whose shutdown is process-wide;
// the service is unexported when the test ends.
func Serve(t testing.TB, svc Service, opts ...server.ServiceOption) string {
	t.Helper()
	return ServeOn(t, svc, nil, nil, opts...)
}

// ServeOn is Serve with extra server options (TLS, ...) and protocol
// options (size limits, ...).
func ServeOn(t testing.TB, svc Service, srvOpts []server.ServerOption, protoOpts []protocol.ServerOption, opts ...server.ServiceOption) string {
	t.Helper()
	port := FreePort(t)
	protoOpts = append([]protocol.ServerOption{protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)}, protoOpts...)
	srv, err := server.NewServer(append([]server.ServerOption{server.WithServerProtocol(protoOpts...)}, srvOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := dubboext.RegisterService(srv, svc, svc.Info(), opts...); err != nil {
		t.Fatal(err)
	}
	unexport, err := dubboext.ExportAlone(srv, svc.Reference())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(unexport)
	return fmt.Sprintf("tri://127.0.0.1:%d", port)
}

// Dial returns a dubbo-go connection to service at url.
func Dial(t testing.TB, service, url string, opts ...client.ReferenceOption) *client.Connection {
	t.Helper()
	cli, err := client.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(service, append([]client.ReferenceOption{client.WithURL(url)}, opts...)...)
	if err != nil {
		t.Fatalf("testenv: dial %s at %s: %v", service, url, err)
	}
	return conn
}
