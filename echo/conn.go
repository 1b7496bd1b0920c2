package echo

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/gigadex/gigadex/book"
	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/wire"
)

// timeoutTicks is how many quarter periods of the idle or write timeout must
// pass without progress before a client is dropped.
const timeoutTicks = 4

// lingerTimeout bounds how long a connection closed on a bad frame keeps
// reading (and discarding) what the client still sends, so that the client
// gets the replies and an orderly end of stream rather than a reset.
const lingerTimeout = 500 * time.Millisecond

// smallBufferSize is the read buffer of a connection with light traffic.
const smallBufferSize = 512

// bufferTick is the longest a connection that has gone quiet keeps its
// large read buffer.
const bufferTick = time.Second

// minTick is the shortest period of the deadlines that check the idle and
// write timeouts.
const minTick = MinTimeout / timeoutTicks

// maxEmptyReads is how many reads in a row may return neither a byte nor an
// error before the connection is closed: no reader does that, and a loop
// must not spin on it.
const maxEmptyReads = 100

// conn is one client connection, served by one goroutine. Its counters are
// written only by that goroutine and read by [Server.Stats].
type conn struct {
	srv  *Server
	nc   net.Conn
	tls  *tls.Conn // nc, when the server speaks TLS
	bufp *[]byte   // the large read buffer, when the connection holds one
	buf  []byte    // the buffer in use: small[:] or *bufp

	// small serves light traffic (a ping-pong needs 52 bytes a read) and
	// idle connections, so that only busy connections hold a large buffer.
	small [smallBufferSize]byte
	off   int64 // stream offset of buf[0]

	// io reads, writes and waits in the connection's I/O mode (IOPoller,
	// IOBlocking or IOBusyPoll). Only the connection's goroutine changes
	// it (toPoller), under srv.mu.
	io sock.IO

	// out queues the replies of a connection that does not write them in
	// place (see Server.queues); owner is its name in the order book.
	out   *outbox
	owner book.Owner

	messages atomic.Int64
	replies  atomic.Int64
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
	det      *detail // nil without WithDetailedStats
}

func (c *conn) addStats(st *Stats) {
	st.Messages += c.messages.Load()
	st.Replies += c.replies.Load()
	st.BytesIn += c.bytesIn.Load()
	st.BytesOut += c.bytesOut.Load()
	if c.det != nil {
		c.det.add(st)
	}
}

// serve reads batches of frames and answers each batch with one write, until
// the client leaves, sends a bad frame or times out, or the server shuts
// down.
//
// Timeouts cost nothing per message: a deadline of a quarter of the timeout
// is set, and only when it fires does the loop check whether anything
// happened meanwhile, then set the next one. A TLS connection completes its
// handshake first, under its own deadline.
//
// The loop cannot spin: every pass either got bytes, or waited for a
// deadline that had really passed (a deadline error returned early is an
// error that sticks, and closes the connection), or ends the connection.
func (c *conn) serve() {
	s := c.srv
	defer s.finish(c)
	if c.tls != nil && !c.handshake() {
		return
	}
	c.buf = c.small[:]
	// The read deadline ticks every tick: to drop an idle client after
	// idleTicks silent ticks, and to give an idle connection's large buffer
	// back even when there is no idle timeout.
	tick, idleTicks := s.ticks()
	deadline := time.Now().Add(tick)
	c.setReadDeadline(deadline)
	if s.writeTimeout > 0 && c.tls == nil {
		c.nc.SetWriteDeadline(time.Now().Add(s.writeTick()))
	}
	have := 0      // bytes of an incomplete frame at the start of buf
	active := true // whether bytes arrived since the read deadline was set
	silent := 0    // read deadlines passed without a byte
	empty := 0     // reads in a row that returned nothing and no error
	for !s.inShutdown.Load() {
		n, err := c.read(c.buf[have:])
		if n > 0 {
			empty = 0
			c.bytesIn.Add(int64(n))
			active = true
			full := have+n == len(c.buf)
			var ok bool
			if have, ok = c.answerCounted(have + n); !ok {
				return
			}
			c.resize(have, full, n < len(c.small)/2)
		}
		switch {
		case err == nil:
			if n == 0 {
				if empty++; empty >= maxEmptyReads {
					s.logf("echo: %v: %d reads returned nothing; closing", c.nc.RemoteAddr(), empty)
					return
				}
			}
		case errors.Is(err, os.ErrDeadlineExceeded) && !s.inShutdown.Load():
			now := time.Now()
			if now.Before(deadline.Add(-tick / 2)) {
				// The deadline has not passed: the error is one that a
				// reader returns again and again.
				s.logf("echo: %v: read: %v before the deadline; closing", c.nc.RemoteAddr(), err)
				return
			}
			if silent = next(silent, active); idleTicks > 0 && silent >= idleTicks {
				s.timeouts.Add(1)
				s.logf("echo: %v: idle for %v; closing", c.nc.RemoteAddr(), s.idleTimeout)
				return
			}
			if !active {
				c.resize(have, false, true)
			}
			active = false
			deadline = now.Add(tick)
			c.setReadDeadline(deadline)
		case err == io.EOF && have > 0:
			s.badFrames.Add(1)
			s.logf("echo: %v: connection closed inside the frame at byte %d (%d of %d bytes received)",
				c.nc.RemoteAddr(), c.off, have, wire.FrameLen)
			return
		default:
			return // EOF between frames, reset, shutdown or Close
		}
	}
}

// ticks returns the period of a connection's read deadline and how many
// periods without a byte make a client idle (zero without an idle
// timeout).
func (s *Server) ticks() (tick time.Duration, idleTicks int) {
	tick = bufferTick
	if s.idleTimeout > 0 {
		tick = max(min(tick, s.idleTimeout/timeoutTicks), minTick)
		idleTicks = int(s.idleTimeout / tick)
		if s.idleTimeout%tick != 0 {
			idleTicks++
		}
	}
	return tick, idleTicks
}

// writeTick is the period of the write deadline that checks the write
// timeout (zero without one).
func (s *Server) writeTick() time.Duration {
	if s.writeTimeout <= 0 {
		return 0
	}
	return max(s.writeTimeout/timeoutTicks, minTick)
}

// next returns the count of consecutive periods without progress.
func next(stalled int, progress bool) int {
	if progress {
		return 0
	}
	return stalled + 1
}

// answer validates the first end bytes of buf, turns the whole frames into
// their replies in place and writes them with one call. On success it moves
// an incomplete last frame to the start of buf and returns its length. It
// reports false if the connection must close: a write failed, or a frame is
// malformed (the replies of the frames before it are written first).
func (c *conn) answer(end int) (int, bool) {
	if c.out != nil {
		return c.answerQueued(end)
	}
	b := c.buf[:end]
	var now uint64
	if c.srv.reply == wire.ReplyExchange {
		now = uint64(time.Now().UnixNano())
	}
	n, err := handleBatch(b, c.srv.reply, now)
	c.messages.Add(int64(n / wire.FrameLen))
	if n > 0 && !c.write(b[:n]) {
		return 0, false
	}
	if err != nil {
		c.badFrame(err, n)
		return 0, false
	}
	c.off += int64(n)
	return copy(c.buf, b[n:]), true
}

// handleBatch validates the frames of b and rewrites each whole one into its
// reply, in place: for [wire.ReplyEcho] it leaves b as it is; for [wire.ReplyExchange]
// it overwrites Orders and CancelOrders with their acknowledgements, stamped
// with now (Unix ns). Every reply is one frame, as long as its request. It
// returns the number of bytes of whole valid frames at the start of b (the
// replies to write), and the error of a malformed frame right after them, or
// of an incomplete last frame whose length prefix is already wrong. It
// allocates nothing unless a frame is malformed.
func handleBatch(b []byte, r wire.Reply, now uint64) (int, error) {
	n := 0
	if r == wire.ReplyEcho {
		n = wire.ValidFrames(b)
	}
	for len(b)-n >= wire.FrameLen {
		v, _, err := wire.ParseFrame(b[n:])
		if err != nil {
			return n, err
		}
		if r == wire.ReplyExchange {
			exchange(b[:n], v, now)
		}
		n += wire.FrameLen
	}
	if n < len(b) {
		if _, _, err := wire.ParseFrame(b[n:]); err != io.ErrUnexpectedEOF {
			return n, err
		}
	}
	return n, nil
}

// exchange writes the reply to the frame v, which follows b in memory, over
// that frame.
func exchange(b []byte, v wire.View, now uint64) {
	switch v.Kind() {
	case wire.KindOrder:
		o, _ := v.Order()
		wire.AppendOrderAck(b, o.ID(), now)
	case wire.KindCancelOrder:
		co, _ := v.CancelOrder()
		wire.AppendCancelAck(b, co.ID())
	}
}

// write writes p in full. With a write timeout it sets a deadline of a
// quarter of it, and when that fires, retries as long as some bytes went
// out during the last period. It reports false if the connection must close.
func (c *conn) write(p []byte) bool {
	s := c.srv
	if c.tls != nil {
		return c.writeTLS(p)
	}
	armed := false // whether the deadline was set during this call
	stalled := 0
	for {
		n, err := c.io.Write(p)
		c.wrote(n)
		if err == nil {
			return true
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if kicked := c.kicked(); kicked || s.writeTimeout == 0 {
			if kicked { // the outbox's kick (the only deadline without a write timeout)
				c.overflowed()
			}
			return false
		}
		p = p[n:]
		// A deadline set before this call may have passed while the
		// connection was waiting for requests; it says nothing of the client.
		if stalled = next(stalled, n > 0 || !armed); stalled >= timeoutTicks {
			s.timeouts.Add(1)
			s.logf("echo: %v: client stopped reading: no reply written for %v; closing", c.nc.RemoteAddr(), s.writeTimeout)
			return false
		}
		if !c.armWrite(time.Now().Add(s.writeTick())) { // its outbox's kick: drop it now
			c.overflowed()
			return false
		}
		armed = true
	}
}

// wrote counts n bytes written. Replies are whole frames, and a reply counts
// once its last byte is out, also when a write ends inside it.
func (c *conn) wrote(n int) {
	if n <= 0 {
		return
	}
	after := c.bytesOut.Add(int64(n)) // only this goroutine writes it
	before := after - int64(n)
	c.replies.Add(after/wire.FrameLen - before/wire.FrameLen)
}

// writeTLS writes p in full on a TLS connection, within the write timeout.
// crypto/tls cannot resume a write that a deadline cut short (every later
// write fails with the same error), so the deadline covers the whole batch
// and any error closes the connection.
func (c *conn) writeTLS(p []byte) bool {
	s := c.srv
	if s.writeTimeout > 0 && !c.armWrite(time.Now().Add(s.writeTimeout)) {
		c.overflowed()
		return false
	}
	n, err := c.nc.Write(p)
	c.wrote(n)
	if err == nil {
		return true
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && c.kicked():
		c.overflowed() // the outbox's kick ended the write
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.timeouts.Add(1)
		s.logf("echo: %v: client stopped reading: replies not written within %v; closing", c.nc.RemoteAddr(), s.writeTimeout)
	}
	return false
}

// badFrame logs and counts a malformed frame found n bytes into the batch,
// then closes the connection the polite way: end of stream first, then
// discard what the client still sends for a short while.
func (c *conn) badFrame(err error, n int) {
	s := c.srv
	s.badFrames.Add(1)
	if fe, ok := errors.AsType[*wire.FrameError](err); ok {
		fe.Offset += c.off + int64(n)
	}
	s.logf("echo: %v: %v; closing", c.nc.RemoteAddr(), err)
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.setReadDeadline(time.Now().Add(lingerTimeout))
	for {
		if _, err := c.read(c.buf); err != nil {
			return
		}
	}
}

// close closes the connection, first ending any system call blocked in
// the kernel on a blocking socket (it would keep the descriptor open).
func (c *conn) close() { c.io.Close() }

// wakeReader ends a read blocked in the kernel on a blocking socket, so the
// connection notices a shutdown after its current batch.
func (c *conn) wakeReader() { c.io.Wake() }

// setReadDeadline sets the read deadline, in any I/O mode.
func (c *conn) setReadDeadline(t time.Time) { c.io.SetReadDeadline(t) }

// read reads from the connection in its I/O mode, after moving a blocking
// or busy-poll connection to the poller when it must give way (crowded).
// It ends with an error wrapping os.ErrDeadlineExceeded at the read
// deadline.
func (c *conn) read(p []byte) (int, error) {
	if c.io.Mode() != IOPoller && c.crowded() {
		c.toPoller()
	}
	return c.io.Read(p)
}

// resize moves the have bytes of an incomplete frame between the small and
// the large buffer: to the large one when a read filled the small one (the
// client sends more than it holds), back to the small one when reads have
// become light or the connection idle, so that an idle connection holds no
// large buffer.
func (c *conn) resize(have int, filled, light bool) {
	switch {
	case c.bufp == nil && filled:
		c.bufp = c.srv.buffer()
		c.buf = *c.bufp
		copy(c.buf, c.small[:have])
	case c.bufp != nil && light && have <= len(c.small):
		copy(c.small[:], c.buf[:have])
		c.srv.buffers.Put(c.bufp)
		c.bufp = nil
		c.buf = c.small[:]
	}
}
