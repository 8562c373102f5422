package harness

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// stackModules are the modules whose versions name what a program measures.
var stackModules = []string{
	"dubbo.apache.org/dubbo-go/v3",
	"google.golang.org/grpc",
	"connectrpc.com/connect",
	"golang.org/x/net",
}

// Versions lists the go version and the versions of the stack modules this
// program was built with, e.g. "go1.26.8 google.golang.org/grpc@v1.85.0".
// The table states them because the peers are built in modules of their
// own, at versions the main module does not pin.
func Versions() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module information)"
	}
	parts := []string{bi.GoVersion}
	for _, d := range bi.Deps {
		for _, m := range stackModules {
			if d.Path == m {
				v := d.Version
				if d.Replace != nil {
					v = d.Replace.Version
				}
				parts = append(parts, fmt.Sprintf("%s@%s", m, v))
			}
		}
	}
	return strings.Join(parts, " ")
}
