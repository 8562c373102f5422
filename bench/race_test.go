//go:build race

package bench_test

// Under -race (as `make test` runs) the programs are built with -race too:
// their dependencies are then the ones the other packages' tests already
// compiled, instead of a second, uninstrumented build of all of dubbo-go.
func init() { buildFlags = append(buildFlags, "-race") }
