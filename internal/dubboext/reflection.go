package dubboext

import (
	"errors"
	"io"
	"net/http"
	"sort"

	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
)

// The gRPC server reflection services. v1 is what grpcurl asks for first
// and what newer clients use alone; v1alpha is what older ones use. Their
// messages are the same on the wire, so one handler serves both.
const (
	reflectionV1      = "grpc.reflection.v1.ServerReflection"
	reflectionV1alpha = "grpc.reflection.v1alpha.ServerReflection"
)

var reflectionPaths = map[string]bool{
	"/" + reflectionV1 + "/ServerReflectionInfo":      true,
	"/" + reflectionV1alpha + "/ServerReflectionInfo": true,
}

// reflectionHandler answers reflection for one endpoint: it lists the
// services exported there, and describes them from their generated
// descriptors, with the methods declared by hand (streamx.NewUnary and
// friends, protobuf codec) added to their service.
type reflectionHandler struct{ ep *endpoint }

func (h reflectionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ss, err := transport.Accept(w, r, h.ep.settings, func(string) bool { return true })
	if err != nil {
		return
	}
	defer ss.Release()
	if c := ss.Codec(); c != "" && c != "proto" {
		ss.Finish(status.Errorf(status.InvalidArgument, "reflection takes protobuf messages, the request is %q", c))
		return
	}
	ss.Finish(h.serve(ss))
}

func (h reflectionHandler) serve(ss *transport.ServerStream) error {
	// The descriptors are built once per stream: a client's questions on
	// one stream see one consistent set, however services come and go.
	d := h.ep.descriptors()
	sent := map[string]bool{} // files already sent on this stream
	for {
		b, err := ss.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		req := new(rpb.ServerReflectionRequest)
		if err := proto.Unmarshal(b, req); err != nil {
			return status.Errorf(status.InvalidArgument, "reflection: bad request: %v", err)
		}
		out, err := proto.Marshal(d.answer(req, sent))
		if err != nil {
			return status.Errorf(status.Internal, "reflection: %v", err)
		}
		if err := ss.Write(out); err != nil {
			return err
		}
	}
}

// answer is the response to one request; a question without an answer
// gets an error response and the stream goes on.
func (d *descriptors) answer(req *rpb.ServerReflectionRequest, sent map[string]bool) *rpb.ServerReflectionResponse {
	res := &rpb.ServerReflectionResponse{ValidHost: req.GetHost(), OriginalRequest: req}
	fail := func(code status.Code, err error) {
		res.MessageResponse = &rpb.ServerReflectionResponse_ErrorResponse{
			ErrorResponse: &rpb.ErrorResponse{ErrorCode: int32(code), ErrorMessage: err.Error()}}
	}
	files := func(fd protoreflect.FileDescriptor, err error) {
		if err != nil {
			fail(status.NotFound, err)
			return
		}
		res.MessageResponse = &rpb.ServerReflectionResponse_FileDescriptorResponse{
			FileDescriptorResponse: &rpb.FileDescriptorResponse{FileDescriptorProto: d.withImports(fd, sent)}}
	}
	switch q := req.GetMessageRequest().(type) {
	case *rpb.ServerReflectionRequest_ListServices:
		names := make([]*rpb.ServiceResponse, len(d.services))
		for i, n := range d.services {
			names[i] = &rpb.ServiceResponse{Name: n}
		}
		res.MessageResponse = &rpb.ServerReflectionResponse_ListServicesResponse{
			ListServicesResponse: &rpb.ListServiceResponse{Service: names}}
	case *rpb.ServerReflectionRequest_FileByFilename:
		files(d.file(q.FileByFilename))
	case *rpb.ServerReflectionRequest_FileContainingSymbol:
		files(d.fileOf(protoreflect.FullName(q.FileContainingSymbol)))
	case *rpb.ServerReflectionRequest_FileContainingExtension:
		e := q.FileContainingExtension
		xt, err := protoregistry.GlobalTypes.FindExtensionByNumber(protoreflect.FullName(e.GetContainingType()), protoreflect.FieldNumber(e.GetExtensionNumber()))
		if err != nil {
			files(nil, err)
			break
		}
		files(d.file(xt.TypeDescriptor().ParentFile().Path()))
	case *rpb.ServerReflectionRequest_AllExtensionNumbersOfType:
		name := protoreflect.FullName(q.AllExtensionNumbersOfType)
		if _, err := d.fileOf(name); err != nil {
			fail(status.NotFound, err)
			break
		}
		var nums []int32
		protoregistry.GlobalTypes.RangeExtensionsByMessage(name, func(xt protoreflect.ExtensionType) bool {
			nums = append(nums, int32(xt.TypeDescriptor().Number()))
			return true
		})
		sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
		res.MessageResponse = &rpb.ServerReflectionResponse_AllExtensionNumbersResponse{
			AllExtensionNumbersResponse: &rpb.ExtensionNumberResponse{BaseTypeName: string(name), ExtensionNumber: nums}}
	default:
		fail(status.InvalidArgument, errors.New("reflection: unknown request"))
	}
	return res
}
