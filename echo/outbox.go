package echo

import (
	"sync"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// MaxPendingReplies is how many replies a connection may have waiting for
// their departure under [WithServiceTime] before the server stops reading
// its requests until they have left: the bound of a server's input queue,
// which a client feels as TCP back pressure.
const MaxPendingReplies = 4096

// maxQueued bounds the bytes waiting in a connection's outbox: a client
// that reads neither its Trades nor its Heartbeats is dropped past it
// rather than holding the server's memory.
const maxQueued = 16 << 20

// outbox holds the frames waiting to be written to one connection when its
// replies are not written in place: with [wire.ReplyBook] (other connections'
// orders send it Trades), [WithHeartbeat] or [WithServiceTime]. The
// connection's reader writes what is due after each batch itself; a writer
// goroutine writes what others queue and what becomes due later.
type outbox struct {
	mu       sync.Mutex
	buf      []byte  // queued frames, from head
	head     int     // bytes of buf already taken
	deps     []int64 // with a service time: the departure of each queued frame, from dhead
	dh       int
	over     bool // the client stopped reading: close the connection
	reported bool // the drop for over was logged and counted
	// kick wakes a write blocked on the client when the outbox overflows,
	// so that the connection is dropped then, not at the write timeout.
	kick func()
	dead bool // a write failed: the connection is closing
	peak int  // the most frames seen waiting after a batch (service time)
	// busy: the connection's reader is answering a batch and writes what
	// is queued when done, so others need not wake the writer (without a
	// service time).
	busy bool

	wake    chan struct{} // cap 1: something was queued
	drained chan struct{} // cap 1: the writer wrote something
	quit    chan struct{} // closed when the connection ends
	exited  chan struct{} // closed when the writer returns

	wmu  sync.Mutex // held while writing to the socket
	wbuf []byte     // the frames being written, owned by the holder of wmu
}

func newOutbox() *outbox {
	return &outbox{
		wake:    make(chan struct{}, 1),
		drained: make(chan struct{}, 1),
		quit:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
}

// signal makes a non-blocking send on a channel of capacity 1.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// room reports whether the outbox takes another frame; past maxQueued it
// marks the connection for closing instead. The caller holds o.mu.
func (o *outbox) room() bool {
	if len(o.buf)-o.head >= maxQueued {
		if !o.over {
			o.over = true
			signal(o.wake)
			if o.kick != nil {
				o.kick()
			}
		}
		return false
	}
	return !o.over
}

// queued returns the number of frames waiting. The caller holds o.mu.
func (o *outbox) queued() int { return (len(o.buf) - o.head) / wire.FrameLen }

// stamp records the departure of the frames appended since the last
// stamp, when there is a service time (dep > 0). The caller holds o.mu.
func (o *outbox) stamp(dep int64) {
	for len(o.deps)-o.dh < o.queued() {
		o.deps = append(o.deps, dep)
	}
}

// take moves the frames due at now (all of them without a service time)
// into o.wbuf and returns them, with the departure of the next frame
// waiting (0 if none). The caller holds o.wmu.
func (o *outbox) take(now int64) (p []byte, next int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.queued()
	if o.dh < len(o.deps) { // a service time: only what is due
		due := 0
		for due < n && o.deps[o.dh+due] <= now {
			due++
		}
		if due < n {
			next = o.deps[o.dh+due]
		}
		n = due
		o.dh += n
	}
	if n == 0 {
		return nil, next
	}
	if o.head == 0 && n == o.queued() {
		// All of it: swap the buffers rather than copy.
		o.wbuf, o.buf = o.buf, o.wbuf[:0]
	} else {
		o.wbuf = append(o.wbuf[:0], o.buf[o.head:o.head+n*wire.FrameLen]...)
		o.head += n * wire.FrameLen
	}
	if o.head == len(o.buf) {
		o.buf, o.head = o.buf[:0], 0
	} else if o.head > len(o.buf)/2 {
		o.buf = o.buf[:copy(o.buf, o.buf[o.head:])]
		o.head = 0
	}
	if o.dh == len(o.deps) {
		o.deps, o.dh = o.deps[:0], 0
	} else if o.dh > len(o.deps)/2 {
		o.deps = o.deps[:copy(o.deps, o.deps[o.dh:])]
		o.dh = 0
	}
	return o.wbuf, next
}

// pacer gives replies their departure under a service time: one queue
// for the whole server.
type pacer struct {
	mu   sync.Mutex
	last int64 // departure of the last message, server clock ns
	d    int64
}

// depart returns the departure of the replies to a message that arrived
// at arrival (server clock ns).
func (p *pacer) depart(arrival int64) int64 {
	p.mu.Lock()
	t := max(arrival, p.last) + p.d
	p.last = t
	p.mu.Unlock()
	return t
}

// clock returns the server's monotonic clock in ns since it was made;
// departures are on it.
func (s *Server) clock() int64 { return int64(time.Since(s.epoch)) }

// queues reports whether connections queue their replies in an outbox
// rather than writing them in place.
func (s *Server) queues() bool {
	return s.reply == wire.ReplyBook || s.heartbeat > 0 || s.serviceTime > 0
}

// attach prepares a connection that queues its replies: it joins the book
// and gets its outbox and writer goroutine. The caller holds s.mu.
func (s *Server) attach(c *conn) {
	if !s.queues() {
		return
	}
	c.out = newOutbox()
	c.out.kick = func() { c.nc.SetWriteDeadline(time.Now()) }
	if s.engine != nil {
		s.engine.join(c)
	}
	s.wg.Add(1)
	go c.writeLoop()
}

// detach removes a closed connection's resting orders (cancel on
// disconnect) and stops its writer.
func (s *Server) detach(c *conn) {
	if c.out == nil {
		return
	}
	if s.engine != nil {
		s.engine.leave(c)
	}
	close(c.out.quit)
	<-c.out.exited
}

// writeLoop writes what other goroutines queue for the connection, the
// replies whose departure comes, and the heartbeats, until the connection
// ends. A failed write, or an outbox overflowing because the client does
// not read, closes the connection.
func (c *conn) writeLoop() {
	s, o := c.srv, c.out
	defer s.wg.Done()
	defer close(o.exited)
	var tick <-chan time.Time
	if s.heartbeat > 0 {
		t := time.NewTicker(s.heartbeat)
		defer t.Stop()
		tick = t.C
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-o.quit:
			return
		case <-o.wake:
		case <-timer.C:
		case <-tick:
			c.queueHeartbeat()
		}
		next, ok := c.flush()
		if !ok {
			o.mu.Lock()
			o.dead = true
			o.mu.Unlock()
			c.close() // the reader sees the end and detaches
			<-o.quit
			return
		}
		if next > 0 {
			timer.Reset(time.Duration(next - s.clock()))
		}
	}
}

// queueHeartbeat queues a Heartbeat with the server's clock (Unix ns),
// leaving at once or, with a service time, right after the replies
// already waiting.
func (c *conn) queueHeartbeat() {
	o := c.out
	o.mu.Lock()
	if o.room() {
		var dep int64
		if n := len(o.deps); n > o.dh {
			dep = o.deps[n-1]
		} else if c.srv.serviceTime > 0 {
			dep = 1 // due at once
		}
		o.buf = wire.AppendHeartbeat(o.buf, uint64(time.Now().UnixNano()))
		if dep > 0 {
			o.stamp(dep)
		}
	}
	o.mu.Unlock()
}

// flush writes what of the outbox is due and returns the departure of the
// next frame waiting (0 if none). It reports false if the connection must
// close: a write failed or the outbox overflowed.
func (c *conn) flush() (next int64, ok bool) {
	o := c.out
	o.wmu.Lock()
	defer o.wmu.Unlock()
	p, next := o.take(c.srv.clock())
	o.mu.Lock()
	over := o.over
	o.mu.Unlock()
	if over {
		c.overflowed()
		return 0, false
	}
	if len(p) > 0 {
		if !c.write(p) {
			return 0, false
		}
		signal(o.drained)
	}
	return next, true
}

// overflowed logs and counts the drop of a client whose outbox overflowed,
// once however many of its goroutines find it.
func (c *conn) overflowed() {
	o := c.out
	o.mu.Lock()
	first := !o.reported
	o.reported = true
	o.mu.Unlock()
	if first {
		c.srv.logf("echo: %v: client stopped reading: more than %d bytes of messages queued; closing", c.nc.RemoteAddr(), maxQueued)
		c.srv.timeouts.Add(1)
	}
}

// kicked reports whether c's outbox overflowed, which ends its writes at
// once: after a write's deadline error, whether the kick caused it.
func (c *conn) kicked() bool {
	if c.out == nil {
		return false
	}
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	return c.out.over
}

// armWrite sets the write deadline to t unless c's outbox overflowed, and
// reports whether it did. The check and the deadline are made under the
// outbox's lock, as the overflow's kick is, so that a deadline set here
// never undoes the kick.
func (c *conn) armWrite(t time.Time) bool {
	if c.out == nil {
		c.nc.SetWriteDeadline(t)
		return true
	}
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	if c.out.over {
		return false
	}
	c.nc.SetWriteDeadline(t)
	return true
}

// answerQueued is answer for a connection with an outbox: it validates the
// whole frames of buf[:end], queues their replies (and, with a book, the
// Trades for every connection concerned), and writes what is due.
func (c *conn) answerQueued(end int) (int, bool) {
	s, o := c.srv, c.out
	b := c.buf[:end]
	stamp := uint64(time.Now().UnixNano())
	var arrival int64
	if s.serviceTime > 0 {
		arrival = s.clock()
	}
	if s.serviceTime == 0 {
		o.mu.Lock()
		o.busy = true
		o.mu.Unlock()
	}
	var n int
	var err error
	if s.engine != nil {
		n, err = s.engine.handle(c, b, stamp, arrival)
	} else {
		n, err = handleBatch(b, s.reply, stamp)
		o.mu.Lock()
		for i := 0; i < n; i += wire.FrameLen {
			if !o.room() {
				break
			}
			o.buf = append(o.buf, b[i:i+wire.FrameLen]...)
			if s.serviceTime > 0 {
				o.stamp(s.pacer.depart(arrival))
			}
		}
		o.mu.Unlock()
	}
	c.messages.Add(int64(n / wire.FrameLen))
	if !c.release() {
		return 0, false
	}
	if err != nil {
		c.badFrame(err, n)
		return 0, false
	}
	c.off += int64(n)
	return copy(c.buf, b[n:]), true
}

// release writes the replies just queued: at once without a service time;
// otherwise it hands them to the writer and, while MaxPendingReplies or
// more are waiting (or all of them during a shutdown), waits for them to
// leave. It reports false if the connection must close.
func (c *conn) release() bool {
	s, o := c.srv, c.out
	if s.serviceTime == 0 {
		_, ok := c.flush()
		o.mu.Lock()
		o.busy = false
		more := o.queued() > 0 // queued by others during the write
		o.mu.Unlock()
		if more {
			signal(o.wake)
		}
		return ok
	}
	signal(o.wake)
	for {
		o.mu.Lock()
		pending, over := o.queued(), o.over || o.dead
		o.peak = max(o.peak, pending)
		o.mu.Unlock()
		if over {
			return false
		}
		if pending < MaxPendingReplies && (pending == 0 || !s.inShutdown.Load()) {
			return true
		}
		select {
		case <-o.drained:
		case <-o.exited:
			return false
		case <-time.After(s.serviceTime + time.Millisecond):
			// a shutdown began, or a departure is near: look again
		}
	}
}
