// Package streamxpb holds the protobuf options of protoc-gen-go-streamx
// (options.proto). A .proto file imports them with
//
//	import "streamx/options.proto";
//
// given this module's proto/ directory on protoc's include path. The plugin
// reads them from the descriptors protoc sends; programs rarely import this
// package themselves.
package streamxpb

//go:generate go run github.com/dubbo-go-streamx/streamx/internal/cmd/genproto protoc -I .. --go_out=.. --go_opt=paths=source_relative streamx/options.proto
