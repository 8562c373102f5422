package testenv

import (
	"fmt"
	"sync"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

var exportMu sync.Mutex

// Serve exports svc from this process on a free 127.0.0.1 port and returns
// its direct URL (tri://127.0.0.1:PORT). It exports the service options
// directly rather than through server.Serve, whose shutdown is process-wide;
// the service is unexported when the test ends.
func Serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) string {
	t.Helper()
	return ServeWith(t, svc, nil, opts...)
}

// ServeWith is Serve with protocol options added after the defaults (Triple
// on 127.0.0.1 and a free port), e.g.
// protocol.WithTriple(triple.WithMaxServerRecvMsgSize("1KiB")) for a small
// receive limit. A later protocol.WithTriple replaces the whole Triple
// configuration.
func ServeWith(t testing.TB, svc *streamx.Service, protoOpts []protocol.ServerOption, opts ...server.ServiceOption) string {
	t.Helper()
	port := FreePort(t)
	po := append([]protocol.ServerOption{
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)}, protoOpts...)
	srv, err := server.NewServer(server.WithServerProtocol(po...))
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, svc, opts...); err != nil {
		t.Fatal(err)
	}
	so := srv.GetServiceOptionsByInterfaceName(svc.Reference())
	if so == nil {
		t.Fatalf("testenv: no service options for %s", svc.Reference())
	}
	exportMu.Lock() // dubbo-go's service map is not safe for concurrent exports
	err = so.Export()
	exportMu.Unlock()
	if err != nil {
		t.Fatalf("testenv: export %s: %v", svc.Reference(), err)
	}
	t.Cleanup(so.Unexport)
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
