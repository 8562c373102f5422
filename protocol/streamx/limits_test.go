package streamx_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/protocol/triple"
	"dubbo.apache.org/dubbo-go/v3/server"
	dubbotls "dubbo.apache.org/dubbo-go/v3/tls"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// A message over the provider's limit is refused with ResourceExhausted;
// the provider keeps serving. Over the consumer's send limit, Write refuses
// it locally and the stream goes on.
func TestMessageSizeLimits(t *testing.T) {
	noLeaks(t)
	url := testenv.ServeOn(t, testgreeter.NewService(), nil,
		[]protocol.ServerOption{protocol.WithTriple(triple.WithMaxServerRecvMsgSize("1KiB"))})
	ctx := ctxT(t)
	conn := dial(t, url)
	_, err := greeter.SayHello.Call(ctx, conn, greeter.Req(strings.Repeat("x", 2000)))
	wantCode(t, err, streamx.CodeResourceExhausted, "1024-byte limit")
	if r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("small")); err != nil || r.Message != "Hello, small" {
		t.Fatalf("provider stopped serving: %v, %v", r, err)
	}

	small := dial(t, url, client.WithParam("max-call-send-msg-size", "100B"))
	// A unary request over the consumer's limit fails at once, not at the
	// deadline.
	_, err = greeter.SayHello.Call(ctx, small, greeter.Req(strings.Repeat("z", 200)))
	wantCode(t, err, streamx.CodeResourceExhausted, "send limit")
	rs, err := greeter.ServerStream.Call(ctx, small, greeter.Req(strings.Repeat("z", 200)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rs.Read()
	wantCode(t, err, streamx.CodeResourceExhausted, "send limit")
	s, err := testgreeter.EchoSize.Open(ctx, small)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Write(greeter.Req(strings.Repeat("y", 200))), streamx.CodeResourceExhausted, "send limit")
	if err := s.Write(greeter.Req("fits")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Read(); err != nil || m.Message != "fits" {
		t.Fatalf("after a refused message: %v, %v", m, err)
	}
	_ = s.DoneWriting()
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
}

// A bad size setting fails the consumer's calls with an error naming it.
func TestBadSizeSetting(t *testing.T) {
	_, url := greeterConn(t)
	conn := dial(t, url, client.WithParam("max-call-recv-msg-size", "lots"))
	_, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
	if err == nil || !strings.Contains(err.Error(), "max-call-recv-msg-size") {
		t.Fatalf("got %v; want an error naming max-call-recv-msg-size", err)
	}
}

// Replies are gzipped only when the provider is configured to, and arrive
// intact.
func TestCompressionThreshold(t *testing.T) {
	noLeaks(t)
	ctx := ctxT(t)
	for _, c := range []struct {
		param, encoding string
	}{{"", ""}, {"10", "gzip"}} {
		t.Run("min="+c.param, func(t *testing.T) {
			var opts []server.ServiceOption
			if c.param != "" {
				opts = append(opts, server.WithParam(streamx.ParamCompressMinBytes, c.param))
			}
			url := serve(t, testgreeter.NewService(), opts...)
			s, err := testgreeter.EchoSize.Open(ctx, dial(t, url))
			if err != nil {
				t.Fatal(err)
			}
			big := strings.Repeat("compressible ", 1000)
			for _, msg := range []string{"tiny", big} {
				if err := s.Write(greeter.Req(msg)); err != nil {
					t.Fatal(err)
				}
				if m, err := s.Read(); err != nil || m.Message != msg {
					t.Fatalf("param %q: echo of %d bytes: %v", c.param, len(msg), err)
				}
			}
			if got := s.Header().Get("Grpc-Encoding"); got != c.encoding {
				t.Fatalf("param %q: grpc-encoding %q, want %q", c.param, got, c.encoding)
			}
			_ = s.DoneWriting()
			if _, err := s.Read(); !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
		})
	}
}

// TLS settings from dubbo-go's TLS options reach both sides.
func TestTLS(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	url := testenv.ServeOn(t, testgreeter.NewService(),
		[]server.ServerOption{server.WithServerTLSOption(dubbotls.WithCertFile(cert), dubbotls.WithKeyFile(key))}, nil)
	cli, err := client.NewClient(client.WithClientTLSOption(dubbotls.WithCACertFile(cert), dubbotls.WithServerName("localhost")))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(greeter.ServiceName, client.WithURL(url))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := greeter.ServerStream.Call(ctxT(t), conn, greeter.Req("tls"))
	if err != nil {
		t.Fatal(err)
	}
	assertReads(t, rs, "tls 0", "tls 1", "tls 2")

	// A consumer without TLS gets a clear failure, not a hang.
	_, err = greeter.SayHello.Call(ctxT(t), dial(t, url), greeter.Req("plain"))
	if code := streamx.CodeOf(err); code != streamx.CodeUnavailable {
		t.Fatalf("plain-text consumer of a TLS provider: %v", err)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
