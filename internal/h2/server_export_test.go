package h2

import (
	"testing"

	"golang.org/x/net/http2"
)

// MaxSharedURLs is maxSharedURLs, for the external tests.
const MaxSharedURLs = maxSharedURLs

// Conns returns how many connections s serves, for the external tests.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// WriteDataCases writes the DATA frames of TestFrameReaderDataChunks on
// stream id with fr (sizes around the chunk path's bounds, padded or
// not, small ones between), the last ending the stream when end is set,
// and returns their data in order. seed varies the bytes.
func WriteDataCases(fr *http2.Framer, id uint32, seed int, end bool) ([]byte, error) {
	return writeDataCases(fr, id, dataCases, seed, end)
}

// PoisonRecycled has every chunk recycled overwritten until t ends, so
// that data read from a chunk after it went back to the pool shows.
func PoisonRecycled(t testing.TB) {
	poisonRecycled.Store(true)
	t.Cleanup(func() { poisonRecycled.Store(false) })
}

// TrackChunks follows the chunks taken from the pool from now on, until
// t ends; counts tells how many are out (taken, not given back) and how
// many were given back twice.
func TrackChunks(t testing.TB) (counts func() (out, twice int)) {
	tr := &chunkTracker{out: map[*[]byte]bool{}}
	chunkTrack.Store(tr)
	t.Cleanup(func() { chunkTrack.Store(nil) })
	return tr.counts
}
