package dubboext

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common"
	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dubbogo/gost/log/logger"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// descriptors are what reflection says about one endpoint: its services,
// and its own versions of the files that describe them. A service from
// generated code is described by its generated file; a method declared by
// hand with the protobuf codec is added to its service in a copy of that
// file, or, for a service no .proto declares, to a file made for it
// ("streamx/<service>.proto"). The copies shadow the generated files, so
// that a client sees each service once, with all its methods.
type descriptors struct {
	services []string
	own      *protoregistry.Files
}

func (s *endpoint) descriptors() *descriptors {
	infos := s.GetServiceInfo()
	d := &descriptors{own: new(protoregistry.Files)}
	listed := map[string]bool{reflectionV1: true, reflectionV1alpha: true}
	for name := range infos {
		listed[name] = true
	}
	d.services = slices.Sorted(maps.Keys(listed))

	edits := map[string]*descriptorpb.FileDescriptorProto{} // by path
	for _, name := range slices.Sorted(maps.Keys(infos)) {
		if err := addDeclared(edits, name, infos[name]); err != nil {
			logger.Warnf("[streamx] reflection: %s: %v", name, err)
		}
	}
	for _, path := range slices.Sorted(maps.Keys(edits)) {
		f, err := protodesc.NewFile(edits[path], protoregistry.GlobalFiles)
		if err == nil {
			err = d.own.RegisterFile(f)
		}
		if err != nil {
			logger.Warnf("[streamx] reflection: describing %s: %v", path, err)
		}
	}
	return d
}

// addDeclared adds the service's hand-declared protobuf methods that its
// generated descriptor lacks to the file that describes it.
func addDeclared(edits map[string]*descriptorpb.FileDescriptorProto, service string, info grpc.ServiceInfo) error {
	meta, _ := info.Metadata.(*common.ServiceInfo)
	if meta == nil {
		return nil
	}
	type declared struct {
		common.MethodInfo
		sm *ServerMethod
	}
	var methods []declared
	for _, m := range meta.Methods {
		if sm, _ := m.Meta[MetaKey].(*ServerMethod); sm != nil && sm.ReqDesc != nil && sm.ResDesc != nil {
			methods = append(methods, declared{m, sm})
		}
	}
	if len(methods) == 0 {
		return nil
	}

	pkg, short := splitName(service)
	path := "streamx/" + service + ".proto"
	if d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service)); err == nil {
		if _, ok := d.(protoreflect.ServiceDescriptor); !ok {
			return fmt.Errorf("the service name is a %T in %s", d, d.ParentFile().Path())
		}
		path = d.ParentFile().Path()
		if edits[path] == nil {
			edits[path] = protodesc.ToFileDescriptorProto(d.ParentFile())
		}
	} else if edits[path] == nil {
		edits[path] = &descriptorpb.FileDescriptorProto{Name: proto.String(path), Package: proto.String(pkg), Syntax: proto.String("proto3")}
	}
	fdp := edits[path]
	var sdp *descriptorpb.ServiceDescriptorProto
	for _, s := range fdp.Service {
		if s.GetName() == short {
			sdp = s
		}
	}
	if sdp == nil {
		sdp = &descriptorpb.ServiceDescriptorProto{Name: proto.String(short)}
		fdp.Service = append(fdp.Service, sdp)
	}
	for _, m := range methods {
		if hasMethod(sdp, m.Name) {
			continue // generated: its descriptor says it already
		}
		sdp.Method = append(sdp.Method, &descriptorpb.MethodDescriptorProto{
			Name:            proto.String(m.Name),
			InputType:       proto.String("." + string(m.sm.ReqDesc.FullName())),
			OutputType:      proto.String("." + string(m.sm.ResDesc.FullName())),
			ClientStreaming: proto.Bool(m.Type == constant.CallClientStream || m.Type == constant.CallBidiStream),
			ServerStreaming: proto.Bool(m.Type == constant.CallServerStream || m.Type == constant.CallBidiStream),
		})
		for _, md := range []protoreflect.MessageDescriptor{m.sm.ReqDesc, m.sm.ResDesc} {
			if dep := md.ParentFile().Path(); dep != path && !slices.Contains(fdp.Dependency, dep) {
				fdp.Dependency = append(fdp.Dependency, dep)
			}
		}
	}
	return nil
}

// hasMethod matches names as routing does: without regard to case
// (Triple serves sayHello and SayHello alike).
func hasMethod(s *descriptorpb.ServiceDescriptorProto, name string) bool {
	for _, m := range s.Method {
		if strings.EqualFold(m.GetName(), name) {
			return true
		}
	}
	return false
}

func splitName(full string) (pkg, short string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

// file finds a file by path, the endpoint's own versions first.
func (d *descriptors) file(path string) (protoreflect.FileDescriptor, error) {
	if f, err := d.own.FindFileByPath(path); err == nil {
		return f, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(path)
}

// fileOf finds the file declaring a symbol (a message, service, method...).
func (d *descriptors) fileOf(name protoreflect.FullName) (protoreflect.FileDescriptor, error) {
	if desc, err := d.own.FindDescriptorByName(name); err == nil {
		return desc.ParentFile(), nil
	}
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		return nil, err
	}
	return d.file(desc.ParentFile().Path())
}

// withImports encodes fd and, of its transitive imports, those not yet
// sent on this stream (a client keeps what it was sent).
func (d *descriptors) withImports(fd protoreflect.FileDescriptor, sent map[string]bool) [][]byte {
	var out [][]byte
	queue := []protoreflect.FileDescriptor{fd}
	for first := true; len(queue) > 0; first = false {
		f := queue[0]
		queue = queue[1:]
		if own, err := d.file(f.Path()); err == nil {
			f = own
		}
		if f.IsPlaceholder() || (!first && sent[f.Path()]) {
			continue
		}
		sent[f.Path()] = true
		if b, err := proto.Marshal(protodesc.ToFileDescriptorProto(f)); err == nil {
			out = append(out, b)
		}
		for i := 0; i < f.Imports().Len(); i++ {
			queue = append(queue, f.Imports().Get(i).FileDescriptor)
		}
	}
	return out
}
