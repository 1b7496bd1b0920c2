package echo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gigadex/gigadex/book"
	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/wire"
)

// ErrServerClosed is returned by [Server.Serve] and [Server.ListenAndServe]
// after [Server.Shutdown] or [Server.Close].
var ErrServerClosed = errors.New("echo: server closed")

// Server answers gigadex-events frames on TCP connections, one goroutine per
// connection. Create it with [NewServer]; its methods are safe for
// concurrent use. A Server cannot be restarted after Shutdown or Close.
type Server struct {
	reply            wire.Reply
	idleTimeout      time.Duration
	writeTimeout     time.Duration
	handshakeTimeout time.Duration
	maxConns         int
	readBufferSize   int
	logger           *log.Logger
	tls              *tls.Config
	io               IOMode
	detailed         bool         // WithDetailedStats
	rawConns         int          // connections in blocking or busy-poll mode now; guarded by mu
	open             atomic.Int64 // len(conns), for raw connections to read without the lock
	procs            atomic.Int64 // GOMAXPROCS when the last connection was accepted
	heartbeat        time.Duration
	serviceTime      time.Duration
	bookMaxOrders    int
	engine           *engine // the order book of wire.ReplyBook
	pacer            pacer   // departures under a service time
	epoch            time.Time

	inShutdown atomic.Bool
	wg         sync.WaitGroup // Serve loops and connection goroutines
	done       chan struct{}  // closed by Shutdown and Close
	doneOnce   sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	waiting   int           // accepted connections waiting for a slot (awaitSlot)
	freed     chan struct{} // closed and replaced when a connection ends while some wait
	closed    Stats         // counters of connections that have ended

	connections atomic.Int64
	refused     atomic.Int64
	badFrames   atomic.Int64
	timeouts    atomic.Int64
	handshakes  atomic.Int64 // failed TLS handshakes
	refusals    refusalLog
	hsLog       handshakeLog
	buffers     sync.Pool // *[]byte of readBufferSize, reused across connections
}

// NewServer returns a Server configured by opts. Without options it echoes
// every frame with the documented defaults (see [DefaultIdleTimeout] and the
// other Default constants).
func NewServer(opts ...Option) *Server {
	s := &Server{
		idleTimeout:      DefaultIdleTimeout,
		writeTimeout:     DefaultWriteTimeout,
		handshakeTimeout: DefaultHandshakeTimeout,
		readBufferSize:   DefaultReadBufferSize,
		logger:           log.Default(),
		done:             make(chan struct{}),
		listeners:        make(map[net.Listener]struct{}),
		conns:            make(map[*conn]struct{}),
		freed:            make(chan struct{}),
		hsLog:            handshakeLog{every: handshakeLogInterval},
		io:               IOPoller,
	}
	for _, o := range opts {
		o(s)
	}
	s.epoch = time.Now()
	s.pacer.d = int64(s.serviceTime)
	if s.reply == wire.ReplyBook {
		s.engine = newEngine(s.bookMaxOrders)
	}
	return s
}

// Stats is a snapshot of a server's counters. Every count is a total since
// the server was created, except Active.
type Stats struct {
	Connections int64 // connections served (refused ones excluded)
	Active      int64 // connections open now
	// Raw counts the open connections served with blocking or busy-poll
	// reads (see [IOMode]); the other open ones use the network poller.
	Raw       int64
	Refused   int64 // connections closed at once because of the limit
	Messages  int64 // valid frames received
	Replies   int64 // reply frames written
	BytesIn   int64 // bytes read
	BytesOut  int64 // bytes written
	BadFrames int64 // connections closed on a malformed or truncated frame
	Timeouts  int64 // connections dropped by the idle or write timeout
	// HandshakeFailures counts TLS connections closed because their
	// handshake failed or did not complete within the handshake timeout.
	HandshakeFailures int64
	// Book holds the order book's counters with [wire.ReplyBook], and zeros
	// otherwise.
	Book book.Stats
	// Kinds counts the valid frames received by message type, indexed by
	// [wire.Kind], and Service times the batches answered; both only with
	// [WithDetailedStats] (zero otherwise).
	Kinds   [wire.NumKinds]int64
	Service ServiceTimes
}

// Stats returns the current counters. It is cheap enough to call once a
// second with thousands of connections open: the connections count in
// their own memory and Stats sums them up.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := s.closed
	for c := range s.conns {
		c.addStats(&st)
	}
	st.Active = int64(len(s.conns))
	st.Raw = int64(s.rawConns)
	s.mu.Unlock()
	st.Connections = s.connections.Load()
	st.Refused = s.refused.Load()
	st.BadFrames = s.badFrames.Load()
	st.Timeouts = s.timeouts.Load()
	st.HandshakeFailures = s.handshakes.Load()
	if s.engine != nil {
		st.Book = s.engine.stats()
	}
	return st
}

// ListenAndServe listens on the TCP address addr ([DefaultAddr] if empty)
// and calls [Server.Serve]. It always returns a non-nil error.
func (s *Server) ListenAndServe(addr string) error {
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	return s.Serve(ln)
}

// Start listens on addr (127.0.0.1:0, a free loopback port, if empty) and
// serves on it in a new goroutine until [Server.Shutdown] or [Server.Close],
// which wait for that goroutine. It returns the server and the address it
// listens on. ctx bounds only the listen call. An accept error that stops
// the server (see [Server.Serve]) is logged. Start suits tests and tools
// that need a peer in the same process.
func Start(ctx context.Context, addr string, opts ...Option) (*Server, net.Addr, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("echo: %w", err)
	}
	s := NewServer(opts...)
	s.track(ln) // before the goroutine starts, so that Shutdown waits for it
	go func() {
		if err := s.serve(ln); !errors.Is(err, ErrServerClosed) {
			s.logf("%v", err) // already "echo: accept: ..."
		}
	}()
	return s, ln.Addr(), nil
}

// Serve accepts connections on ln and serves each in its own goroutine. It
// returns [ErrServerClosed] after Shutdown or Close, and otherwise the
// accept error that stopped it; temporary accept errors (such as running out
// of file descriptors) are logged and retried after a pause that doubles
// from 5 ms to 1 s. Serve closes ln when it returns. Several listeners may
// be served at once.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln) {
		ln.Close()
		return ErrServerClosed
	}
	return s.serve(ln)
}

// track registers a listener; it reports false if the server is shutting
// down. A tracked listener counts in s.wg until serve returns.
func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShutdown.Load() {
		return false
	}
	s.listeners[ln] = struct{}{}
	s.wg.Add(1)
	return true
}

// serve is the accept loop of a tracked listener.
func (s *Server) serve(ln net.Listener) error {
	defer func() {
		s.mu.Lock()
		if _, ok := s.listeners[ln]; ok {
			delete(s.listeners, ln)
			ln.Close()
		}
		s.mu.Unlock()
		s.wg.Done()
	}()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return ErrServerClosed
			}
			if !isTemporary(err) {
				return fmt.Errorf("echo: accept: %w", err)
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.logf("echo: accept: %v; retrying in %v", err, delay)
			if !s.sleep(delay) {
				return ErrServerClosed
			}
			continue
		}
		delay = 0
		s.handle(nc)
	}
}

// isTemporary reports whether an accept error may go away by itself.
func isTemporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// sleep waits for d; it reports false if the server is shut down meanwhile.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// handle starts serving an accepted connection, or refuses it.
func (s *Server) handle(nc net.Conn) {
	s.mu.Lock()
	switch {
	case s.inShutdown.Load():
		s.mu.Unlock()
		nc.Close()
		return
	case s.full():
		if s.waiting >= s.maxConns {
			s.mu.Unlock()
			s.refuse(nc)
			return
		}
		// A client that reconnects the moment it closed its previous
		// connection is often accepted before that connection's goroutine
		// has seen the close: the connection waits a little for a slot.
		s.waiting++
		s.wg.Add(1)
		s.mu.Unlock()
		go s.awaitSlot(nc)
		return
	}
	s.start(nc)
}

// full reports whether the connection limit is reached. The caller holds
// s.mu.
func (s *Server) full() bool { return s.maxConns > 0 && len(s.conns) >= s.maxConns }

// refuse closes a connection past the limit.
func (s *Server) refuse(nc net.Conn) {
	s.refused.Add(1) // counted and logged before the client sees the end
	s.refusals.add(s, nc.RemoteAddr())
	nc.Close()
}

// awaitSlot serves nc if a connection ends within slotWait, and refuses it
// otherwise. It runs in its own goroutine, counted in s.waiting and s.wg.
func (s *Server) awaitSlot(nc net.Conn) {
	defer s.wg.Done()
	t := time.NewTimer(slotWait)
	defer t.Stop()
	timedOut := false
	for {
		s.mu.Lock()
		switch {
		case s.inShutdown.Load():
			s.waiting--
			s.mu.Unlock()
			nc.Close()
			return
		case !s.full():
			s.waiting--
			s.start(nc)
			return
		case timedOut:
			s.waiting--
			s.mu.Unlock()
			s.refuse(nc)
			return
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-freed:
		case <-t.C:
			timedOut = true
		case <-s.done:
		}
	}
}

// start serves an accepted connection. The caller holds s.mu; start
// releases it.
func (s *Server) start(nc net.Conn) {
	var tc *tls.Conn
	var x sock.IO
	if s.tls != nil {
		// The connection's goroutine completes the handshake first, under
		// its own deadline; crypto/tls does the reads and writes.
		tc = tls.Server(nc, s.tls)
		nc = tc
		x, _ = sock.Open(nc, IOPoller)
	} else {
		x = s.connIO(nc)
	}
	c := &conn{srv: s, nc: nc, tls: tc, io: x}
	if s.detailed {
		c.det = new(detail)
	}
	s.conns[c] = struct{}{}
	s.open.Store(int64(len(s.conns)))
	s.attach(c)
	s.wg.Add(1)
	s.mu.Unlock()
	s.connections.Add(1)
	go c.serve()
}

// slotWait is how long a connection accepted past the connection limit
// waits for another to end before it is refused.
const slotWait = 100 * time.Millisecond

// buffer returns a read buffer, reused from a closed connection if possible.
func (s *Server) buffer() *[]byte {
	if b, ok := s.buffers.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, s.readBufferSize)
	return &b
}

// finish unregisters a connection whose goroutine is ending.
func (s *Server) finish(c *conn) {
	c.close()
	s.detach(c)
	s.mu.Lock()
	if c.io.Mode() != IOPoller {
		s.rawConns--
	}
	delete(s.conns, c)
	s.open.Store(int64(len(s.conns)))
	c.addStats(&s.closed)
	if s.waiting > 0 {
		close(s.freed) // wakes the connections waiting for a slot
		s.freed = make(chan struct{})
	}
	s.mu.Unlock()
	if c.bufp != nil {
		s.buffers.Put(c.bufp)
		c.bufp = nil
	}
	s.wg.Done()
}

// Shutdown stops the server gracefully: it closes the listeners, lets every
// connection finish the batch of frames it is answering (what its last read
// returned), then closes the connections and waits for all the server's
// goroutines to end. If ctx ends first, Shutdown closes the remaining
// connections at once, waits for their goroutines, and returns ctx.Err().
// Otherwise it returns the error of closing a listener, if any.
func (s *Server) Shutdown(ctx context.Context) error {
	lnErr := s.stop(false)
	waited := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return lnErr
	case <-ctx.Done():
		s.closeConns()
		<-waited
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, without waiting for batches in progress, and waits for the
// server's goroutines to end. It returns the error of closing a listener,
// if any.
func (s *Server) Close() error {
	err := s.stop(true)
	s.wg.Wait()
	return err
}

// maxRaw is how many connections may be served with blocking or busy-poll
// reads at once: one fewer than GOMAXPROCS (at least one). Such a
// connection keeps its P while it waits, so with GOMAXPROCS-1 of them a P
// is left for the accept loop, the timers and the other connections. With
// GOMAXPROCS=1 the one such connection would starve the others (the
// scheduler polls the network only when it has nothing else to run), so it
// goes back to the poller as soon as it is not alone (see conn.crowded).
func (s *Server) maxRaw() int { return max(int(s.procs.Load())-1, 1) }

// crowded reports whether a connection that keeps its P while it waits
// must go back to the network poller. In auto mode, as soon as more
// connections are open than could all be served that way (max(GOMAXPROCS-1,
// 1)): a P held by one waiting connection is then a P the others queue for
// (measured in docs/performance-analysis.md: a 4-connection flood lost a
// tenth of its throughput). In the explicit modes, with a single P, as soon
// as another connection is open.
func (c *conn) crowded() bool {
	s := c.srv
	open := s.open.Load()
	if s.io == IOAuto {
		return open > int64(s.maxRaw())
	}
	return s.procs.Load() == 1 && open > 1
}

// toPoller moves a blocking or busy-poll connection to the network poller
// for good (see sock.ToPoller).
func (c *conn) toPoller() {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	mode := c.io.Mode()
	x, err := sock.ToPoller(c.io)
	if err != nil {
		return // stays as it is; it will be checked again
	}
	c.io = x
	s.rawConns--
	if s.io != IOAuto {
		// Auto mode does this as a matter of course (the stats line's
		// "(blocking N)" shows it); a mode the user chose is worth a line.
		s.logf("echo: %v: %s reads give way to the network poller: another connection shares the only P (GOMAXPROCS=1)", c.nc.RemoteAddr(), mode)
	}
}

// connIO decides how an accepted plain TCP connection is read, and opens
// its I/O in that mode: blocking or busy-poll while the rules of maxRaw
// allow, the poller otherwise. The caller holds s.mu.
func (s *Server) connIO(nc net.Conn) sock.IO {
	// GOMAXPROCS as of this connection, for this decision and crowded's:
	// the runtime changes it when a container's CPU limit changes.
	s.procs.Store(int64(runtime.GOMAXPROCS(0)))
	if s.io != IOPoller && !s.queues() && s.rawConns < s.maxRaw() && (s.io != IOAuto || len(s.conns) < s.maxRaw()) {
		mode := s.io
		if mode == IOAuto {
			mode = IOBlocking
		}
		if x, err := sock.Open(nc, mode); err == nil && x.Mode() != IOPoller {
			s.rawConns++
			return x
		}
	}
	x, _ := sock.Open(nc, IOPoller)
	return x
}

// aLongTimeAgo is a deadline in the past: setting it wakes a blocked Read.
var aLongTimeAgo = time.Unix(1, 0)

// stop marks the server as shutting down, closes its listeners and either
// closes the connections (now) or wakes them from their reads so that they
// end after their current batch.
func (s *Server) stop(now bool) error {
	s.mu.Lock()
	s.inShutdown.Store(true)
	s.doneOnce.Do(func() { close(s.done) })
	var err error
	for ln := range s.listeners {
		if cerr := ln.Close(); cerr != nil && err == nil {
			err = cerr
		}
		delete(s.listeners, ln)
	}
	for c := range s.conns {
		if now {
			c.close()
		} else {
			c.setReadDeadline(aLongTimeAgo)
			c.wakeReader()
		}
	}
	s.mu.Unlock()
	s.refusals.flush(s)
	s.hsLog.flush(s)
	return err
}

func (s *Server) closeConns() {
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
}

func (s *Server) logf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf(format, args...)
	}
}

// refusalLog sums up refused connections in at most one log line a second.
type refusalLog struct {
	mu      sync.Mutex
	last    time.Time // when the last line was logged
	pending int       // refusals since then
	latest  net.Addr
}

func (r *refusalLog) add(s *Server, addr net.Addr) {
	r.mu.Lock()
	r.pending++
	r.latest = addr
	if time.Since(r.last) < time.Second {
		r.mu.Unlock()
		return
	}
	r.last = time.Now()
	n := r.pending
	r.pending = 0
	r.mu.Unlock()
	s.logRefused(n, addr)
}

func (r *refusalLog) flush(s *Server) {
	r.mu.Lock()
	n, addr := r.pending, r.latest
	r.pending = 0
	r.mu.Unlock()
	if n > 0 {
		s.logRefused(n, addr)
	}
}

func (s *Server) logRefused(n int, addr net.Addr) {
	if n == 1 {
		s.logf("echo: %v: refused: limit of %d connections reached", addr, s.maxConns)
		return
	}
	s.logf("echo: refused %d connections (latest %v): limit of %d connections reached", n, addr, s.maxConns)
}
