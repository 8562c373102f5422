//go:build race

package transport

func init() { raceOn = true }
