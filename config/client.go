package config

import (
	"fmt"

	"dubbo.apache.org/dubbo-go/v3/client"
)

// NewClient returns a dubbo-go client with the file's application,
// registries, consumer, protocol and TLS settings. opts win.
func (c *Config) NewClient(opts ...client.ClientOption) (*client.Client, error) {
	return c.ins.NewClient(opts...)
}

// Dial refers the reference named key under dubbo.consumer.references
// (its interface:, url:, registry-ids:, filter:, params:, ...), through a
// client from NewClient. When no reference has that key, key is taken as
// the interface name of a reference configured only by the consumer
// section. opts are applied last and win. Dial does not wait for a
// provider: with a registry, calls fail until one is discovered (unless the
// consumer's check: true makes dubbo-go wait at refer time).
func (c *Config) Dial(cli *client.Client, key string, opts ...client.ReferenceOption) (*client.Connection, error) {
	if cli == nil {
		return nil, fmt.Errorf("config: Dial %q with a nil client", key)
	}
	iface := key
	if ref := c.opts.Consumer.References[key]; ref != nil && ref.InterfaceName != "" {
		iface = ref.InterfaceName
	}
	// DialWithDefinition is the one dubbo-go entry that applies the
	// reference's configuration; it finds it by the definition's Reference().
	conn, err := cli.DialWithDefinition(iface, &client.ClientDefinition{Svc: refName(key)}, opts...)
	if err != nil {
		return nil, fmt.Errorf("config: dial %s (%s): %w", key, iface, err)
	}
	return conn, nil
}

// refName is a stand-in service whose reference name is a key of
// dubbo.consumer.references.
type refName string

func (r refName) Reference() string { return string(r) }
