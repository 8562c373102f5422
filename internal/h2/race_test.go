//go:build race

package h2

// Under -race sync.Pool drops some of what it is given, so a pooled chunk
// may be a new allocation: allocation counts do not hold.
func init() { raceEnabled = true }
