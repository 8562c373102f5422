// Package zookeeper is a dubbo-go interface-level registry for Zookeeper
// that also discovers dubbo-python providers.
//
// dubbo-python 3.0.0b1 registers a provider as an ephemeral child of
// /dubbo/<service>/providers named, URL-encoded,
//
//	tri://127.0.0.1:50061?service=<service>
//
// with no path and no interface, side or category parameters. dubbo-go
// v3.3.2's own zookeeper registry drops such children while listing (it
// compares the child's interface parameter with the subscribed one) and
// again when children change, so a dubbo-go consumer reports "No provider
// available". This registry lists and watches the providers folder itself
// and normalises every child (see normalizeProvider) before matching it
// against the subscription: the interface comes from the interface
// parameter, else the path, else dubbo-python's service parameter; the path,
// side=provider and category=providers are filled in when missing. Children
// it cannot parse are logged once and skipped; they never hide the others.
//
// # Why it replaces the "zookeeper" registry
//
// Importing this package for its side effect
//
//	import _ "github.com/dubbo-go-streamx/streamx/registry/zookeeper"
//
// registers it with extension.SetRegistry under the name "zookeeper",
// replacing dubbo-go's, so dubbo-go configuration keeps
// "protocol: zookeeper" and everything keyed by that name (service
// discovery, metadata report, config center) keeps working. The package
// imports dubbo-go's registry/zookeeper first, so its init always runs
// after dubbo-go's and wins.
//
// Wrapping dubbo-go's registry was not possible cleanly: its constructor is
// unexported, extension.SetRegistry keeps no previous value and there is no
// getter for a factory, so once the name is taken over the stock registry
// cannot be built any more; and the filtering happens inside its listener,
// before any hook. Registering under a second name and delegating to the
// stock "zookeeper" would have worked, but then the protocol name in the
// configuration differs from the one every other Zookeeper extension is
// looked up by. Instead this package re-implements the registry on
// dubbo-go's exported building blocks: registry.BaseRegistry (which builds
// the node paths and names), remoting/zookeeper.ValidateZookeeperClient
// (which creates the shared gost Zookeeper client the same way) and the
// same ephemeral-node logic. Providers registered through it produce
// exactly the nodes dubbo-go's registry produces, which dubbo-python
// consumers find.
//
// # Differences from dubbo-go's registry
//
//   - A subscription keeps its providers while Zookeeper is unreachable and
//     reconciles the list (adds and removals) when the connection returns.
//   - Registered nodes are re-created when the client's session is not the
//     one that owns them (it expired), not on every reconnection; the gost
//     client's reconnect channel is not used because reading it races with
//     the client's event loop.
//   - Each Subscribe gets its own watch; two subscriptions of one service
//     no longer share (and split) one event stream.
//   - Version "" and "0.0.0" match each other. Group and version otherwise
//     match exactly, or "*" on the consumer side matches anything.
//   - Subscribing to interface "*" (all services) is not supported.
//
// # Configuration
//
// Import the package once (in main), then configure Zookeeper as usual.
// dubbo-python registers at interface level only, so a dubbo-go consumer
// must use interface-level discovery (registry-type "interface" or "all"):
//
//	dubbo:
//	  registries:
//	    zk:
//	      protocol: zookeeper
//	      address: 127.0.0.1:2181
//	      registry-type: interface
//
// or, with the options API,
//
//	client.WithClientRegistry(
//		registry.WithZookeeper(),
//		registry.WithAddress("127.0.0.1:2181"),
//		registry.WithRegisterInterface(),
//	)
//
// The registry's group (registry.group, default "dubbo"), timeout and ttl
// parameters mean what they mean for dubbo-go's registry; the ttl (capped
// at 20s) is how often a subscription lists its providers again even
// without a watch event. A ttl that is not a duration > 0 ("soon", "0s")
// makes NewRegistry fail naming registry.ttl.
package zookeeper
