package h2

// MaxSharedURLs is maxSharedURLs, for the external tests.
const MaxSharedURLs = maxSharedURLs

// Conns returns how many connections s serves, for the external tests.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
