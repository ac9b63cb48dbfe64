package fakeaws

// InFlight reports how many requests are inside the handler, so tests can
// see a hung request end without sleeping.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight
}
