// Package grpctesting is protoc-gen-go-streamx's code for grpc-go's interop
// services (grpc/testing/test.proto: TestService and the others), on the
// message types of grpc-go's own google.golang.org/grpc/interop/grpc_testing.
// It is generated from the descriptors compiled into that package, since
// grpc-go's module ships no .proto files, so it carries no .proto comments.
package grpctesting

//go:generate go run github.com/dubbo-go-streamx/streamx/internal/cmd/genproto registry -param Mgrpc/testing/empty.proto=google.golang.org/grpc/interop/grpc_testing,Mgrpc/testing/messages.proto=google.golang.org/grpc/interop/grpc_testing,Mgrpc/testing/test.proto=github.com/dubbo-go-streamx/streamx/integrate_test/internal/grpctesting;grpctesting,module=github.com/dubbo-go-streamx/streamx/integrate_test/internal/grpctesting,package_suffix= grpc/testing/test.proto
