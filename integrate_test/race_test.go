//go:build race

package integrate_test

// Under -race (as make test runs) the samples are built with -race too:
// their dependencies are then the ones this test binary was built from,
// instead of a second, uninstrumented build of all of dubbo-go.
func init() { sampleBuildFlags = append(sampleBuildFlags, "-race") }
