//go:build race

package streamx

func init() { raceOn = true }
