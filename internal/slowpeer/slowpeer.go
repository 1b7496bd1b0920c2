// Package slowpeer is an echo peer with a known capacity, for tests: it
// answers every frame, on one goroutine for all connections, a fixed
// service time after it started on it, so that it serves at most one frame
// per service time. Below that rate each reply takes about the service
// time; above it the queue, and the latency, grow without bound. It
// imports package testing: only tests may import it.
package slowpeer

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// Peer is a running slow echo peer on a loopback port.
type Peer struct {
	ln      net.Listener
	service time.Duration
	jobs    chan job

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool

	readers sync.WaitGroup
	done    chan struct{}
	maxLate atomic.Int64 // ns
}

type job struct {
	c     net.Conn
	at    time.Time
	frame [wire.FrameLen]byte
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
// service is the time each frame takes; the peer's capacity is 1/service
// frames per second.
func Start(service time.Duration) (*Peer, error) {
	if service <= 0 {
		return nil, errors.New("slowpeer: service time must be positive")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Peer{ln: ln, service: service, jobs: make(chan job, 1<<16), conns: map[net.Conn]bool{}, done: make(chan struct{})}
	p.readers.Add(1)
	go p.accept()
	go p.work()
	return p, nil
}

// Addr returns the address the peer listens on.
func (p *Peer) Addr() string { return p.ln.Addr().String() }

// Capacity returns the frames per second the peer serves at most.
func (p *Peer) Capacity() float64 { return float64(time.Second) / float64(p.service) }

// MaxLate returns the longest the peer woke up after a reply was due
// since the last ResetLate: how long the machine stalled it.
func (p *Peer) MaxLate() time.Duration { return time.Duration(p.maxLate.Load()) }

// ResetLate starts a new MaxLate measurement.
func (p *Peer) ResetLate() { p.maxLate.Store(0) }

// Close stops the peer and waits for its goroutines.
func (p *Peer) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.readers.Wait()
	close(p.jobs)
	<-p.done
	return err
}

func (p *Peer) accept() {
	defer p.readers.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.conns[c] = true
		p.readers.Add(1)
		p.mu.Unlock()
		go p.read(c)
	}
}

// read queues the frames of one connection for the worker.
func (p *Peer) read(c net.Conn) {
	defer p.readers.Done()
	br := bufio.NewReader(c)
	for {
		var j job
		if _, err := io.ReadFull(br, j.frame[:]); err != nil {
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
			c.Close()
			return
		}
		j.c, j.at = c, time.Now()
		p.jobs <- j
	}
}

// work serves the frames in arrival order, one service time each. It
// keeps a schedule rather than sleeping a service time per frame, so that
// late wake-ups delay replies but do not lower the capacity.
func (p *Peer) work() {
	defer close(p.done)
	var next time.Time
	for j := range p.jobs {
		p.mu.Lock()
		live := p.conns[j.c]
		p.mu.Unlock()
		if !live {
			continue // the client hung up: its backlog is not served
		}
		start := j.at
		if next.After(start) {
			start = next
		}
		next = start.Add(p.service)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
			if late := time.Since(next); late > time.Duration(p.maxLate.Load()) {
				p.maxLate.Store(int64(late))
			}
		}
		j.c.SetWriteDeadline(time.Now().Add(time.Second))
		j.c.Write(j.frame[:]) // a closed connection's frames are dropped
	}
}

// Attempts is how many capacity searches CheckCapacity runs at most.
const Attempts = 3

// CheckCapacity checks that a capacity search finds p's capacity despite
// the noise of a shared machine, which can only make the peer look
// slower. It runs search up to Attempts times, until one finds at least lo
// msgs/s, after clearing p's record of late replies each time; search
// returns the capacity found (0 if the search did not converge) and
// whether it or the peer stalled, and fails t itself on a capacity above
// the peer's. If no search reached lo, t fails, or is skipped when every
// search stalled: the machine was too busy to decide. hi is the highest
// capacity t accepts, for the message.
func (p *Peer) CheckCapacity(t testing.TB, lo, hi float64, search func(attempt int) (found float64, stalled bool)) {
	t.Helper()
	best, stalled := 0.0, 0
	for attempt := 1; attempt <= Attempts && best < lo; attempt++ {
		p.ResetLate()
		found, s := search(attempt)
		best = max(best, found)
		if s {
			stalled++
		}
	}
	switch {
	case best >= lo:
	case stalled == Attempts:
		// Not a skip: a generator that stalls every time may be the
		// regression itself.
		t.Errorf("best capacity of %d searches %.0f msgs/s, below %.0f, and every search had its generator or the peer stalled", Attempts, best, lo)
	default:
		t.Errorf("best capacity of %d searches %.0f msgs/s, want within [%.0f, %.0f]", Attempts, best, lo, hi)
	}
}
