package greeter

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
)

// confFlag is -conf, defaulting to $DUBBO_GO_CONFIG_PATH, else ./dubbogo.yml.
func confFlag() *string {
	def := os.Getenv("DUBBO_GO_CONFIG_PATH")
	if def == "" {
		def = "dubbogo.yml"
	}
	return flag.String("conf", def, "dubbogo.yml to load (env DUBBO_GO_CONFIG_PATH)")
}

// ConfigServerMain runs the Greeter provider configured by a dubbogo.yml
// alone (protocols, registries, provider.services) under dubbo-go's
// server.Serve: it blocks until SIGINT or SIGTERM, then shuts down
// gracefully (unregisters, waits, closes listeners) and exits.
func ConfigServerMain() {
	conf := confFlag()
	flag.Parse()
	cfg, err := config.Load(*conf)
	if err != nil {
		run.Fail(err)
	}
	srv, err := cfg.NewServer()
	if err != nil {
		run.Fail(err)
	}
	if err := streamx.Register(srv, NewService()); err != nil {
		run.Fail(err)
	}
	fmt.Printf("Greeter provider configured by %s\n", *conf)
	if err := srv.Serve(); err != nil {
		run.Fail(err)
	}
}

// ConfigClientMain refers the reference named key in a dubbogo.yml,
// waits up to 20 s for a provider to answer, then runs Demo with a 30 s
// deadline.
func ConfigClientMain(key string) {
	conf := confFlag()
	flag.Parse()
	cfg, err := config.Load(*conf)
	if err != nil {
		run.Fail(err)
	}
	cli, err := cfg.NewClient()
	if err != nil {
		run.Fail(err)
	}
	conn, err := cfg.Dial(cli, key)
	if err != nil {
		run.Fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := WaitReady(ctx, conn, 20*time.Second); err != nil {
		run.Fail(err)
	}
	if err := Demo(ctx, conn, os.Stdout); err != nil {
		run.Fail(err)
	}
}

// WaitReady calls sayHello until it succeeds (a provider has been
// discovered) or wait passes; it returns the last error then. It blocks.
func WaitReady(ctx context.Context, conn *client.Connection, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		_, err := SayHello.Call(ctx, conn, Req("ready?"))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no provider answered within %v: %w", wait, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Demo calls the Greeter in all four kinds and prints each reply to w.
func Demo(ctx context.Context, conn *client.Connection, w io.Writer) error {
	r, err := SayHello.Call(ctx, conn, Req("world"))
	if err != nil {
		return fmt.Errorf("sayHello: %w", err)
	}
	fmt.Fprintln(w, "unary:", r.Message)

	cs, err := ClientStream.OpenWith(ctx, conn, Names("a", "b", "c"))
	if err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	for m := range cs.Messages() {
		fmt.Fprintln(w, "client stream:", m.Message)
	}
	if err := cs.Err(); err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}

	ss, err := ServerStream.Call(ctx, conn, Req("go"))
	if err != nil {
		return fmt.Errorf("serverStream: %w", err)
	}
	for m := range ss.Messages() {
		fmt.Fprintln(w, "server stream:", m.Message)
	}
	if err := ss.Err(); err != nil {
		return fmt.Errorf("serverStream: %w", err)
	}

	bs, err := BiStream.OpenWith(ctx, conn, Names("x", "y"))
	if err != nil {
		return fmt.Errorf("biStream: %w", err)
	}
	for m := range bs.Messages() {
		fmt.Fprintln(w, "bidi stream:", m.Message)
	}
	if err := bs.Err(); err != nil {
		return fmt.Errorf("biStream: %w", err)
	}
	return nil
}
