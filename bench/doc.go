// Package bench measures streamx against stock dubbo-go Triple and grpc-go
// on loopback. It holds no code of its own besides the smoke
// test: the frameworks live in cmd/bench-streamx, cmd/bench-triple and
// peers/grpc (a module of its own, for the newest grpc-go), each its own
// program so that stock dubbo-go never links streamx, and cmd/benchrun runs
// the cases and prints the table. See README.md.
package bench
