// Command protoc-gen-go-streamx is a protoc plugin generating streamx
// clients and providers for the services of .proto files. Run it beside
// protoc-gen-go:
//
//	protoc --go_out=. --go_opt=paths=source_relative \
//	  --go-streamx_out=. --go-streamx_opt=paths=source_relative greeter.proto
//
// For each file with services it writes <file>.streamx.go into a package of
// its own next to the messages' (greeter.proto of Go package greeter gives
// greeterstreamx/greeter.streamx.go), so that importing the messages does
// not import streamx, which takes over dubbo-go's tri protocol. For each
// service it declares the methods with their wire names and generates a
// typed client, a handler interface and the functions that register it.
//
// Parameters (--go-streamx_opt, comma-separated), beside protoc-gen-go's
// paths, module and M<file>=<go import path>:
//
//	interface=<proto service>=<dubbo interface>
//	    the dubbo interface name of one service, e.g.
//	    interface=acme.greet.v1.Greeter=org.apache.dubbo.samples.data.Greeter;
//	    repeatable. It wins over the (streamx.interface_name) service option
//	    of streamx/options.proto, which wins over the default,
//	    "<proto package>.<service>".
//	package_suffix=<suffix>
//	    the generated package's name is the messages' Go package name plus
//	    suffix (default "streamx"); an empty suffix generates into the
//	    messages' package.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"google.golang.org/protobuf/compiler/protogen"
)

// The golden tests' descriptors, with the protos' comments.
//
//go:generate go run github.com/dubbo-go-streamx/streamx/internal/cmd/genproto protoc -I testdata -I ../../proto --include_imports --include_source_info --descriptor_set_out=testdata/protos.binpb acme/greet/v1/greet.proto acme/store/store.proto acme/nosvc/nosvc.proto bad/empty_option.proto bad/with.proto bad/case.proto

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println("protoc-gen-go-streamx", version())
		return
	}
	p := newParams()
	options(p).Run(func(gen *protogen.Plugin) error { return generate(gen, p) })
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
