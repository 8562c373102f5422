package dubboext

import (
	"errors"
	"fmt"
	"sync"

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

// exportMu serialises exports: dubbo-go's service map is not safe for
// concurrent ones.
var exportMu sync.Mutex

// ExportAlone exports the service registered on srv under name by itself,
// not through server.Serve (whose shutdown is process-wide), and returns
// its unexport. In-memory servers and the tests' servers export so.
func ExportAlone(srv *server.Server, name string) (unexport func(), err error) {
	so := srv.GetServiceOptionsByInterfaceName(name)
	if so == nil {
		return nil, fmt.Errorf("streamx: no service options for %s", name)
	}
	exportMu.Lock()
	takeExportError(name) // an earlier export's
	err = so.Export()
	cause := takeExportError(name)
	exportMu.Unlock()
	if err != nil && cause != nil {
		// dubbo-go's error only says that the protocol exported nothing.
		return nil, fmt.Errorf("streamx: export %s: %w", name, cause)
	}
	if err != nil {
		return nil, fmt.Errorf("streamx: export %s: %w", name, err)
	}
	return so.Unexport, nil
}

var (
	exportErrsMu sync.Mutex
	exportErrs   = map[string]error{} // interface name -> why the protocol did not export it
)

// noteExportError keeps why the protocol refused to export the service
// named name, for ExportAlone to return instead of dubbo-go's error, which
// does not say.
func noteExportError(name string, err error) {
	exportErrsMu.Lock()
	defer exportErrsMu.Unlock()
	exportErrs[name] = err
}

// takeExportError returns and forgets what noteExportError kept for name.
func takeExportError(name string) error {
	exportErrsMu.Lock()
	defer exportErrsMu.Unlock()
	err := exportErrs[name]
	delete(exportErrs, name)
	return err
}
