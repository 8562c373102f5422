package dubboext

import (
	"context"

	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/filter"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/dubbo"
)

// ProtocolName is the dubbo-go protocol streamx serves. It replaces stock
// Triple under the same name, so URLs, registries and dubbo-python peers
// see an ordinary tri provider.
const ProtocolName = "tri"

// Register installs streamx in dubbo-go's extension registry: the tri
// protocol, its graceful shutdown callback, the consumer shutdown filter
// it swaps in for cshutdown, and dubbo-go's dubbo protocol with the
// metadata service bound to the provider's host. Package streamx calls it
// from its init, which runs after dubbo-go's (this package imports them),
// and the registry keeps the last registration of a name.
func Register() {
	extension.SetProtocol(ProtocolName, func() base.Protocol { return getProtocol() })
	// Stock Triple's callback marks only its own (now empty) exports.
	extension.UnregisterGracefulShutdownCallback(ProtocolName)
	extension.RegisterGracefulShutdownCallback(ProtocolName, func(context.Context) error {
		getProtocol().markNotServing()
		return nil
	})
	extension.SetFilter(shutdownFilterName, func() filter.Filter {
		orig, _ := extension.GetFilter(constant.GracefulShutdownConsumerFilterKey)
		return &shutdownFilter{orig: orig}
	})
	orig := dubbo.GetProtocol()
	extension.SetProtocol(dubbo.DUBBO, func() base.Protocol { return boundDubbo{orig} })
}
