package dubboext

import (
	"errors"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/server"
)

// RegisterService registers the service described by info, served by
// handler, on srv with dubbo-go service options (group, version, filters,
// ...), under info.InterfaceName, and notes the host of its protocols for
// the metadata service. streamx.Register and the tests' servers call it,
// so both register alike.
func RegisterService(srv *server.Server, handler any, info *common.ServiceInfo, opts ...server.ServiceOption) error {
	if srv == nil {
		return errors.New("streamx: Register on a nil *server.Server")
	}
	opts = append([]server.ServiceOption{server.WithInterface(info.InterfaceName)}, opts...)
	if err := srv.Register(handler, info, opts...); err != nil {
		return err
	}
	NoteHost(srv, info.InterfaceName)
	return nil
}
