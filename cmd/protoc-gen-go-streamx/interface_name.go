package main

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	streamxpb "github.com/dubbo-go-streamx/streamx/proto/streamx"
)

// interfaceName returns the dubbo interface name of svc: the interface=
// parameter's, else the (streamx.interface_name) option's, else
// "<proto package>.<service>", as dubbo-go and dubbo-python name services
// generated from a .proto.
func (p *params) interfaceName(svc *protogen.Service) (string, error) {
	if name, ok := p.interfaces[string(svc.Desc.FullName())]; ok {
		return name, nil
	}
	if opts, ok := svc.Desc.Options().(*descriptorpb.ServiceOptions); ok && proto.HasExtension(opts, streamxpb.E_InterfaceName) {
		name := proto.GetExtension(opts, streamxpb.E_InterfaceName).(string)
		if err := checkInterfaceName(name); err != nil {
			return "", fmt.Errorf("%s: service %s: option (streamx.interface_name): %v", svc.Location.SourceFile, svc.Desc.FullName(), err)
		}
		return name, nil
	}
	return string(svc.Desc.FullName()), nil
}

// checkInterfaceParams fails on interface= parameters naming no service
// of the files to generate: a typo would otherwise go unnoticed.
func (p *params) checkInterfaceParams(gen *protogen.Plugin) error {
	known := map[string]bool{}
	var files []string
	for _, f := range gen.Files {
		if !f.Generate {
			continue
		}
		files = append(files, f.Desc.Path())
		for _, s := range f.Services {
			known[string(s.Desc.FullName())] = true
		}
	}
	var unknown []string
	for name := range p.interfaces {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("parameter interface=%s=...: no service %s in %s (give the service's full proto name, package included)",
		unknown[0], strings.Join(unknown, ", "), strings.Join(files, ", "))
}
