// Package otelgrpc holds the cross-peer trace tests only: a trace that
// starts in grpc-go (instrumented with otelgrpc) continues in a streamx
// provider, and one that starts in a streamx consumer continues in a
// grpc-go server.
package otelgrpc
