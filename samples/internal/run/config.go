package run

import (
	"context"
	"flag"
	"os"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/config"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// load parses the flags and loads -conf. Until the file's logger (driver
// zap-stderr in the samples) takes over, dubbo-go's loader logs too: on
// stderr, so that stdout is only what the sample prints.
func load() (*config.Config, string) {
	conf := confFlag()
	flag.Parse()
	if err := config.LogToStderr("info"); err != nil {
		Fail(err)
	}
	cfg, err := config.Load(*conf)
	if err != nil {
		Fail(err)
	}
	return cfg, *conf
}

// confFlag is -conf, defaulting to $DUBBO_GO_CONFIG_PATH, else ./dubbogo.yml.
func confFlag() *string {
	def := os.Getenv("DUBBO_GO_CONFIG_PATH")
	if def == "" {
		def = "dubbogo.yml"
	}
	return flag.String("conf", def, "dubbogo.yml to load (env DUBBO_GO_CONFIG_PATH)")
}

// ConfigServer serves svc as configured by a dubbogo.yml alone (protocols,
// registries, provider.services) under dubbo-go's server.Serve, calling
// started(path) once svc is registered. It blocks until SIGINT or SIGTERM,
// then shuts down gracefully (unregisters, waits, closes listeners) and
// exits.
func ConfigServer(svc *streamx.Service, started func(conf string)) {
	cfg, conf := load()
	srv, err := cfg.NewServer()
	if err != nil {
		Fail(err)
	}
	if err := streamx.Register(srv, svc); err != nil {
		Fail(err)
	}
	started(conf)
	if err := srv.Serve(); err != nil {
		Fail(err)
	}
}

// ConfigClient refers the reference named key in a dubbogo.yml and runs fn
// with a 30 s deadline; an error from fn is printed on stderr and exits 1.
func ConfigClient(key string, fn func(ctx context.Context, conn *client.Connection) error) {
	cfg, _ := load()
	cli, err := cfg.NewClient()
	if err != nil {
		Fail(err)
	}
	conn, err := cfg.Dial(cli, key)
	if err != nil {
		Fail(err)
	}
	call(conn, fn)
}

// UntilDiscovered runs call until it succeeds or fails with other than
// CodeUnavailable (no provider found yet, or a listed one that refuses),
// for at most wait: a consumer started with its provider may ask before
// the registry has told it of one. Such calls reach no provider, so
// repeating them is safe. It blocks, and returns call's last error.
func UntilDiscovered(ctx context.Context, wait time.Duration, call func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		err := call(ctx)
		if streamx.CodeOf(err) != streamx.CodeUnavailable {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}
