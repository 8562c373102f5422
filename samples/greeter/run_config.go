package greeter

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/internal/run"
)

// ConfigServerMain runs the Greeter provider configured by a dubbogo.yml
// alone (see run.ConfigServer): it blocks until SIGINT or SIGTERM, then
// shuts down gracefully and exits.
func ConfigServerMain() {
	run.ConfigServer(NewService(), func(conf string) {
		fmt.Printf("Greeter provider configured by %s\n", conf)
	})
}

// ConfigClientMain refers the reference named key in a dubbogo.yml,
// waits up to 20 s for a provider to answer, then runs Demo with a 30 s
// deadline.
func ConfigClientMain(key string) {
	run.ConfigClient(key, func(ctx context.Context, conn *client.Connection) error {
		if err := WaitReady(ctx, conn, 20*time.Second); err != nil {
			return err
		}
		return Demo(ctx, conn, os.Stdout)
	})
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
