package integrate_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	v1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// TestReflectionBothVersions asks a provider, with grpc-go's reflection
// clients, v1 and v1alpha alike: the services listed, a generated service
// with a method declared by hand added, a service declared wholly by hand
// (its JSON method left out: JSON has no descriptor), and an unknown symbol.
func TestReflectionBothVersions(t *testing.T) {
	hand := streamx.NewService("demo.Hand")
	streamx.NewUnary[*pb.GreeterRequest, *pb.GreeterReply]("echo").Handle(hand,
		func(_ context.Context, r *pb.GreeterRequest) (*pb.GreeterReply, error) {
			return &pb.GreeterReply{Message: r.Name}, nil
		})
	streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("chat").Handle(hand,
		func(context.Context, *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
			return nil
		})
	streamx.NewUnary[map[string]string, map[string]string]("js", streamx.WithCodec(streamx.JSONCodec{})).Handle(hand,
		func(_ context.Context, m map[string]string) (map[string]string, error) { return m, nil })
	url := testenv.Serve(t, hand)
	addr := strings.TrimPrefix(url, "tri://")

	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()

	// ask sends one request on a fresh stream of either version (their
	// messages are the same on the wire) and returns the response in v1 form.
	ask := func(t *testing.T, version string, req *v1.ServerReflectionRequest) *v1.ServerReflectionResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		desc := &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}
		s, err := cc.NewStream(ctx, desc, "/grpc.reflection."+version+".ServerReflection/ServerReflectionInfo")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SendMsg(req); err != nil {
			t.Fatal(err)
		}
		res := new(v1.ServerReflectionResponse)
		if err := s.RecvMsg(res); err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		_ = s.CloseSend()
		return res
	}
	file := func(t *testing.T, res *v1.ServerReflectionResponse) *descriptorpb.FileDescriptorProto {
		t.Helper()
		fds := res.GetFileDescriptorResponse().GetFileDescriptorProto()
		if len(fds) == 0 {
			t.Fatalf("no file in %v", res)
		}
		fd := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(fds[0], fd); err != nil {
			t.Fatal(err)
		}
		return fd
	}
	methods := func(fd *descriptorpb.FileDescriptorProto, service string) []string {
		var out []string
		for _, s := range fd.Service {
			if s.GetName() == service {
				for _, m := range s.Method {
					out = append(out, m.GetName())
				}
			}
		}
		return out
	}

	for _, version := range []string{"v1", "v1alpha"} {
		t.Run(version, func(t *testing.T) {
			res := ask(t, version, &v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_ListServices{}})
			var names []string
			for _, s := range res.GetListServicesResponse().GetService() {
				names = append(names, s.GetName())
			}
			for _, want := range []string{"demo.Hand", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} {
				if !slices.Contains(names, want) {
					t.Errorf("services %q lack %s", names, want)
				}
			}

			fd := file(t, ask(t, version, &v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "demo.Hand"}}))
			if fd.GetName() != "streamx/demo.Hand.proto" || fd.GetPackage() != "demo" {
				t.Errorf("demo.Hand described by %s (package %s)", fd.GetName(), fd.GetPackage())
			}
			if got := methods(fd, "Hand"); !slices.Equal(got, []string{"echo", "chat"}) {
				t.Errorf("demo.Hand methods %q, want echo and chat (js is JSON: no descriptor)", got)
			}
			for _, s := range fd.Service {
				for _, m := range s.Method {
					if m.GetName() == "chat" && (!m.GetClientStreaming() || !m.GetServerStreaming()) {
						t.Errorf("chat is not described as bidi: %v", m)
					}
				}
			}

			res = ask(t, version, &v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "no.such.Service"}})
			if e := res.GetErrorResponse(); e == nil || e.GetErrorCode() != 5 {
				t.Errorf("unknown symbol: %v, want NOT_FOUND (5)", res)
			}
		})
	}
}
