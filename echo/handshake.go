package echo

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// handshakeLogInterval is how often at most a failed TLS handshake is
// logged for one peer address; the failures in between are counted and
// summed up in one line.
const handshakeLogInterval = 10 * time.Second

// handshakeLogPeers bounds how many peer addresses the handshake log keeps
// apart; failures from further addresses are summed up together.
const handshakeLogPeers = 1024

// otherPeers is the handshake log's key for the failures of peers past
// handshakeLogPeers.
const otherPeers = "other peers"

// handshake completes the TLS handshake of a new connection within the
// handshake timeout, apart from the idle timeout, which starts after it. It
// reports false if the connection must close: the handshake failed or timed
// out (counted and logged), or the server is shutting down.
//
// The handshake has its own deadline, on reads and writes, and nothing else
// reads the connection before it is done: a deadline that fires during a
// handshake makes crypto/tls fail every later call with the same error.
func (c *conn) handshake() bool {
	s := c.srv
	if s.handshakeTimeout > 0 {
		c.nc.SetDeadline(time.Now().Add(s.handshakeTimeout))
	}
	// Shutdown sets the inShutdown flag and then a past read deadline: if
	// it came before the deadline above, the flag tells.
	if s.inShutdown.Load() {
		return false
	}
	err := c.tls.Handshake()
	if err == nil {
		c.nc.SetDeadline(time.Time{})
		return true
	}
	if s.inShutdown.Load() {
		return false
	}
	s.handshakes.Add(1)
	s.hsLog.add(s, c.nc.RemoteAddr(), handshakeFault(err, s.handshakeTimeout))
	return false
}

// handshakeFault describes why a handshake failed, for the log.
func handshakeFault(err error, timeout time.Duration) string {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no TLS handshake within %v", timeout)
	case errors.Is(err, io.EOF):
		return "closed the connection before completing the TLS handshake"
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return fmt.Sprintf("TLS handshake failed: %v (a client without TLS?)", err)
	}
	return fmt.Sprintf("TLS handshake failed: %v", err)
}

// handshakeLog logs failed TLS handshakes without flooding the log: for
// each peer address (the IP, whatever the port), the first failure is
// logged at once and the next ones within handshakeLogInterval are only
// counted; when the interval ends, one line gives their number and the
// latest reason. A storm of failures from one address thus costs one line
// every interval.
type handshakeLog struct {
	every time.Duration

	mu     sync.Mutex
	peers  map[string]*peerFailures // by IP address, or otherPeers
	timer  *time.Timer              // pending summary, if any
	closed bool
}

// peerFailures is the handshake log's record of one peer address.
type peerFailures struct {
	quietUntil time.Time // no line for this address before then
	suppressed int       // failures counted and not logged since the last line
	latest     string    // the latest of them
}

// add logs or counts a failed handshake of a client at addr.
func (l *handshakeLog) add(s *Server, addr net.Addr, fault string) {
	now := time.Now()
	l.mu.Lock()
	if l.peers == nil {
		l.peers = make(map[string]*peerFailures)
	}
	key := peerIP(addr)
	p := l.peers[key]
	if p == nil && len(l.peers) >= handshakeLogPeers {
		l.prune(now)
		if len(l.peers) >= handshakeLogPeers {
			key, p = otherPeers, l.peers[otherPeers]
		}
	}
	if p == nil {
		p = &peerFailures{}
		l.peers[key] = p
	}
	if l.closed || !now.Before(p.quietUntil) {
		p.quietUntil = now.Add(l.every)
		l.mu.Unlock()
		s.logf("echo: %v: %s; closing", addr, fault)
		return
	}
	p.suppressed++
	p.latest = fault
	if l.timer == nil {
		l.timer = time.AfterFunc(p.quietUntil.Sub(now), func() { l.tick(s) })
	}
	l.mu.Unlock()
}

// prune forgets the addresses with nothing pending whose interval has
// ended.
func (l *handshakeLog) prune(now time.Time) {
	for k, p := range l.peers {
		if p.suppressed == 0 && !now.Before(p.quietUntil) {
			delete(l.peers, k)
		}
	}
}

// tick logs the counts of the addresses whose interval has ended, and sets
// the timer again for the others.
func (l *handshakeLog) tick(s *Server) {
	now := time.Now()
	l.mu.Lock()
	l.timer = nil
	if l.closed {
		l.mu.Unlock()
		return
	}
	var lines []string
	var next time.Time
	for k, p := range l.peers {
		switch {
		case p.suppressed == 0:
			if !now.Before(p.quietUntil) {
				delete(l.peers, k)
			}
			continue
		case now.Before(p.quietUntil):
		default:
			lines = append(lines, summary(k, p))
			p.suppressed, p.latest = 0, ""
			// The summary is this address's line for the next interval.
			p.quietUntil = now.Add(l.every)
			continue
		}
		if next.IsZero() || p.quietUntil.Before(next) {
			next = p.quietUntil
		}
	}
	if !next.IsZero() {
		l.timer = time.AfterFunc(next.Sub(now), func() { l.tick(s) })
	}
	l.mu.Unlock()
	for _, line := range lines {
		s.logf("%s", line)
	}
}

// flush logs every pending count at once and stops the timer; failures
// after it are logged one line each. Shutdown calls it.
func (l *handshakeLog) flush(s *Server) {
	l.mu.Lock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.closed = true
	var lines []string
	for k, p := range l.peers {
		if p.suppressed > 0 {
			lines = append(lines, summary(k, p))
		}
	}
	l.peers = nil
	l.mu.Unlock()
	for _, line := range lines {
		s.logf("%s", line)
	}
}

// summary is the line that sums up the failures counted for an address.
func summary(key string, p *peerFailures) string {
	what := "failed TLS handshakes"
	if p.suppressed == 1 {
		what = "failed TLS handshake"
	}
	return fmt.Sprintf("echo: %s: %d more %s not logged (latest: %s)", key, p.suppressed, what, p.latest)
}

// peerIP returns the IP address of addr, or addr itself if it has none.
func peerIP(addr net.Addr) string {
	if ta, ok := addr.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	if host, _, err := net.SplitHostPort(addr.String()); err == nil {
		return host
	}
	return addr.String()
}
