package echo

import (
	"time"
)

// withHandshakeLogInterval sets how often at most a failed handshake is
// logged per peer address.
func withHandshakeLogInterval(d time.Duration) Option {
	return func(s *Server) { s.hsLog.every = d }
}
