package main

import (
	"fmt"
	"strings"
	"unicode"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// params are the plugin's own parameters; protogen parses the rest.
type params struct {
	interfaces    map[string]string // proto service full name -> dubbo interface name
	packageSuffix string
}

func newParams() *params {
	return &params{interfaces: map[string]string{}, packageSuffix: "streamx"}
}

func options(p *params) protogen.Options {
	return protogen.Options{ParamFunc: p.set}
}

// set takes one parameter protogen does not know.
func (p *params) set(name, value string) error {
	switch name {
	case "interface":
		svc, iface, ok := strings.Cut(value, "=")
		if !ok || svc == "" {
			return fmt.Errorf("bad parameter %q: want interface=<proto service>=<interface name>, e.g. interface=acme.greet.v1.Greeter=org.apache.dubbo.samples.data.Greeter", name+"="+value)
		}
		if err := checkInterfaceName(iface); err != nil {
			return fmt.Errorf("bad parameter %q: %v", name+"="+value, err)
		}
		if old, ok := p.interfaces[svc]; ok && old != iface {
			return fmt.Errorf("parameters interface=%s=%s and interface=%s=%s disagree", svc, old, svc, iface)
		}
		p.interfaces[svc] = iface
		return nil
	case "package_suffix":
		if value != "" && !isGoIdent(value) {
			return fmt.Errorf("bad parameter %q: the suffix must be letters, digits or _", name+"="+value)
		}
		p.packageSuffix = value
		return nil
	}
	return fmt.Errorf("unknown parameter %q (protoc-gen-go-streamx takes interface=, package_suffix= and protoc-gen-go's paths=, module=, M<file>=)", name)
}

// checkInterfaceName refuses names that cannot be a dubbo interface name
// in a URL or an HTTP/2 path.
func checkInterfaceName(s string) error {
	if s == "" {
		return fmt.Errorf("empty interface name")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("/,?#=&;", r) }); i >= 0 {
		return fmt.Errorf("interface name %q has %q, which a dubbo interface name cannot have", s, s[i])
	}
	return nil
}

func isGoIdent(s string) bool {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// setSupport declares what the plugin handles: it reads services only, so
// every syntax and edition protogen knows.
func setSupport(gen *protogen.Plugin) {
	gen.SupportedFeatures = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL | pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	gen.SupportedEditionsMinimum = descriptorpb.Edition_EDITION_PROTO2
	gen.SupportedEditionsMaximum = descriptorpb.Edition_EDITION_2023
}
