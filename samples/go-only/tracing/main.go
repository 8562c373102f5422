// Command tracing runs a Greeter provider and consumer in one process,
// configured by dubbogo.yml (embedded; -conf reads another) with dubbo-go's
// tracing keys and the stream-otel interceptor, makes one bidi stream of
// three messages, and prints its two spans (client and server, one trace)
// as JSON on stdout: each covers the whole stream and has an rpc.message
// event per message.
//
//	go run ./samples/go-only/tracing
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	otelapi "go.opentelemetry.io/otel"

	"github.com/dubbo-go-streamx/streamx/config"
	_ "github.com/dubbo-go-streamx/streamx/otel" // registers stream-otel
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

//go:embed dubbogo.yml
var conf []byte

func main() {
	path := flag.String("conf", "", "dubbogo.yml to load instead of the embedded one")
	flag.Parse()
	if err := run(*path); err != nil {
		fmt.Fprintln(os.Stderr, "tracing:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	if os.Getenv("STREAMX_PORT") == "" {
		port, err := freePort()
		if err != nil {
			return err
		}
		os.Setenv("STREAMX_PORT", strconv.Itoa(port))
	}
	if err := config.LogToStderr("warn"); err != nil {
		return err
	}
	var (
		cfg *config.Config
		err error
	)
	if path != "" {
		cfg, err = config.Load(path)
	} else {
		cfg, err = config.LoadBytes("dubbogo.yml", conf)
	}
	if err != nil {
		return err
	}

	srv, err := cfg.NewServer()
	if err != nil {
		return err
	}
	if err := streamx.Register(srv, greeter.NewService()); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.ServeContext(ctx) }()
	if err := awaitPort(os.Getenv("STREAMX_PORT"), served); err != nil {
		return err
	}

	cli, err := cfg.NewClient()
	if err != nil {
		return err
	}
	conn, err := cfg.Dial(cli, "greeter")
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bidi, err := greeter.BiStream.OpenWith(callCtx, conn, greeter.Names("a", "b", "c"))
	if err != nil {
		return err
	}
	for m := range bidi.Messages() {
		fmt.Fprintln(os.Stderr, "reply:", m.Message)
	}
	if err := bidi.Err(); err != nil {
		return err
	}
	// Both spans have ended; the exporter batches them: flush to print.
	if tp, ok := otelapi.GetTracerProvider().(interface{ ForceFlush(context.Context) error }); ok {
		return tp.ForceFlush(callCtx)
	}
	return fmt.Errorf("dubbogo.yml enabled no tracing (dubbo.otel.tracing.enable)")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// awaitPort waits until the provider listens on port, or Serve failed.
func awaitPort(port string, served <-chan error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
		if err == nil {
			return c.Close()
		}
		select {
		case err := <-served:
			return fmt.Errorf("the provider stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the provider is not listening on %s: %v", port, err)
		}
	}
}
