package config

import (
	"dubbo.apache.org/dubbo-go/v3/server"
)

// NewServer returns a dubbo-go server with the file's application,
// protocols, registries, shutdown, TLS and provider settings; a service
// registered on it (streamx.Register) picks up its entry under
// dubbo.provider.services, found by interface name or by an entry whose
// interface: matches. opts are applied last and win. Serving, and closing,
// is the caller's (srv.Serve blocks until SIGINT or SIGTERM).
func (c *Config) NewServer(opts ...server.ServerOption) (*server.Server, error) {
	// Instance.NewServer leaves the provider section out; dubbo.Load's own
	// path adds it the same way.
	return c.ins.NewServer(append([]server.ServerOption{server.SetServerProvider(c.opts.CloneProvider())}, opts...)...)
}
