//go:build linux

package sock

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Raw is true where the raw modes exist: on Linux.
const Raw = true

// openRaw returns the I/O of the plain socket connection nc in mode m.
func openRaw(nc net.Conn, rc syscall.RawConn, m Mode) (IO, error) {
	p := &pollerIO{nc: nc, rc: rc, fd: -1}
	p.r.fn, p.w.fn, p.now.fn, p.wnow.fn = p.readOnce, p.writeOnce, p.readNowOnce, p.writeNowOnce
	var serr error
	err := rc.Control(func(fd uintptr) {
		p.fd = int(fd)
		if m == Blocking {
			serr = setBlocking(p.fd, Tick)
		}
	})
	if err == nil {
		err = serr
	}
	switch {
	case err != nil && m == Blocking:
		return nil, OpError("set "+m.String(), nc, err)
	case err != nil:
		return &netIO{nc: nc}, nil // closed already: its errors are nc's
	}
	switch m {
	case Blocking:
		return &blockingIO{rawIO{pollerIO: p}}, nil
	case BusyPoll:
		return &busyPollIO{rawIO{pollerIO: p}}, nil
	}
	return p, nil
}

// pollerIO is the Poller mode: raw non-blocking system calls that wait in
// Go's network poller, through syscall.RawConn, only when the socket has
// nothing to read or no room to write. Deadlines and Close are nc's, since
// the waits are the poller's.
type pollerIO struct {
	nc   net.Conn
	rc   syscall.RawConn
	fd   int
	r    call // the pending Read
	w    call // the pending Write
	now  call // the pending ReadNow
	wnow call // the pending WriteNow
}

// call is the state of one Read, ReadNow or Write, kept in the pollerIO so
// that the callbacks, made once, allocate nothing.
type call struct {
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

func (x *pollerIO) Mode() Mode                        { return Poller }
func (x *pollerIO) Wake()                             {}
func (x *pollerIO) Close() error                      { return x.nc.Close() }
func (x *pollerIO) SetReadDeadline(t time.Time) error { return x.nc.SetReadDeadline(t) }
func (x *pollerIO) WaitReadable(d time.Duration) bool { return waitReadable(x.fd, d) }
func (x *pollerIO) WaitReadWrite(d time.Duration)     { waitReadWrite(x.fd, d) }

func (x *pollerIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return x.read(&x.r, p)
}

func (x *pollerIO) ReadNow(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return x.read(&x.now, p)
}

// read makes the read c with RawConn.Read.
func (x *pollerIO) read(c *call, p []byte) (int, error) {
	c.p, c.n, c.err = p, 0, nil
	err := x.rc.Read(c.fn)
	c.p = nil
	switch {
	case err != nil:
		return 0, OpError("read", x.nc, err)
	case c.err == unix.EAGAIN:
		return 0, ErrWouldBlock
	case c.err != nil:
		return 0, OpError("read", x.nc, c.err)
	case c.n == 0:
		return 0, io.EOF
	}
	return c.n, nil
}

func (x *pollerIO) Write(p []byte) (int, error) { return x.write(&x.w, p) }

func (x *pollerIO) WriteNow(p []byte) (int, error) { return x.write(&x.wnow, p) }

// write makes the write c with RawConn.Write.
func (x *pollerIO) write(c *call, p []byte) (int, error) {
	c.p, c.n, c.err = p, 0, nil
	err := x.rc.Write(c.fn)
	n := c.n
	c.p = nil
	switch {
	case err != nil:
		return n, OpError("write", x.nc, err)
	case c.err == unix.EAGAIN:
		return n, ErrWouldBlock
	case c.err != nil:
		return n, OpError("write", x.nc, c.err)
	}
	return n, nil
}

// readOnce reads what has arrived, or asks RawConn.Read to wait (false).
func (x *pollerIO) readOnce(fd uintptr) bool {
	c := &x.r
	for {
		n, err := recv(int(fd), c.p, unix.MSG_DONTWAIT)
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		c.n, c.err = n, err
		return true
	}
}

// readNowOnce reads what has arrived and never asks RawConn.Read to wait.
func (x *pollerIO) readNowOnce(fd uintptr) bool {
	c := &x.now
	for {
		n, err := recv(int(fd), c.p, unix.MSG_DONTWAIT)
		if err == unix.EINTR {
			continue
		}
		c.n, c.err = n, err
		return true
	}
}

// writeOnce sends what of the rest the socket takes, and asks RawConn.Write
// to wait (false) when its buffer is full.
func (x *pollerIO) writeOnce(fd uintptr) bool {
	c := &x.w
	for c.n < len(c.p) {
		n, err := send(int(fd), c.p[c.n:])
		c.n += n
		switch err {
		case nil, unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			c.err = err
			return true
		}
	}
	return true
}

// writeNowOnce sends what of the rest the socket takes, and never asks
// RawConn.Write to wait.
func (x *pollerIO) writeNowOnce(fd uintptr) bool {
	c := &x.wnow
	for c.n < len(c.p) {
		n, err := send(int(fd), c.p[c.n:])
		c.n += n
		switch err {
		case nil, unix.EINTR:
		default:
			c.err = err
			return true
		}
	}
	return true
}

// rawIO is what the Blocking and BusyPoll modes share: reads made with raw
// system calls on the descriptor itself, outside Go's poller, which must
// therefore check the read deadline and Close themselves. Writes, ReadNow
// and WaitReadable are the Poller mode's.
type rawIO struct {
	*pollerIO
	closed atomic.Bool  // raw reads must not touch a closed, maybe reused, descriptor
	dl     atomic.Int64 // the read deadline, Unix ns; 0: none
	reads  int          // raw reads so far, to yield every Batch
	late   error        // the read deadline's error, made once: a Ping that waits wakes every Tick
}

func (x *rawIO) SetReadDeadline(t time.Time) error {
	x.dl.Store(unixNano(t))
	return nil
}

// Write is the Poller mode's, with net.ErrClosed for a write that Close
// (which shuts a blocking socket down) ended.
func (x *rawIO) Write(p []byte) (int, error) { return x.closedWrite(x.pollerIO.Write(p)) }

func (x *rawIO) WriteNow(p []byte) (int, error) { return x.closedWrite(x.pollerIO.WriteNow(p)) }

// closedWrite names the error of a write that Close ended net.ErrClosed.
func (x *rawIO) closedWrite(n int, err error) (int, error) {
	if err != nil && err != ErrWouldBlock && x.closed.Load() && !errors.Is(err, net.ErrClosed) {
		err = OpError("write", x.nc, net.ErrClosed)
	}
	return n, err
}

func (x *rawIO) Close() error {
	x.closed.Store(true)
	return x.nc.Close()
}

// yield passes through the scheduler every Batch reads (see Batch).
func (x *rawIO) yield() {
	if x.reads++; x.reads%Batch == 0 {
		runtime.Gosched()
	}
}

// got returns a raw read's n bytes, or the end of the stream.
func (x *rawIO) got(n int) (int, error) {
	if n > 0 {
		return n, nil
	}
	if x.closed.Load() {
		return 0, x.fail(net.ErrClosed) // Close shut the socket down under the read
	}
	return 0, io.EOF
}

// fail names the error of a raw read.
func (x *rawIO) fail(err error) error {
	if x.closed.Load() {
		err = net.ErrClosed
	}
	return OpError("read", x.nc, err)
}

// timedOut returns the error of a read whose deadline has passed. It is
// made on the first timeout and kept (only the reading goroutine calls
// this), so that a reader woken every Tick to check its context does not
// allocate.
func (x *rawIO) timedOut() error {
	if x.late == nil {
		x.late = OpError("read", x.nc, os.ErrDeadlineExceeded)
	}
	return x.late
}

// expired reports whether the read deadline has passed.
func (x *rawIO) expired() bool {
	dl := x.dl.Load()
	return dl != 0 && time.Now().UnixNano() >= dl
}

// toPoller returns the connection's Poller-mode I/O, with the read
// deadline of x.
func (x *rawIO) toPoller() (IO, error) {
	x.nc.SetReadDeadline(fromUnixNano(x.dl.Load()))
	return x.pollerIO, nil
}

// blockingIO is the Blocking mode: a blocking socket read with raw
// recvfrom(2) calls, which keep the thread's P while the kernel blocks
// them (unlike Go's system calls, which would have the runtime hand the P
// to another thread). SO_RCVTIMEO (Tick) makes them return to check the
// deadline. recvfrom, not read: with SO_RCVTIMEO set, a signal (Go
// preempts threads with SIGURG) interrupts it with EINTR instead of
// restarting it and its timeout.
type blockingIO struct{ rawIO }

func (x *blockingIO) Mode() Mode { return Blocking }

func (x *blockingIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	x.yield()
	for {
		if x.closed.Load() {
			return 0, x.fail(net.ErrClosed)
		}
		n, err := recv(x.fd, p, 0)
		switch err {
		case nil:
			return x.got(n)
		case unix.EINTR, unix.EAGAIN:
			// A signal is most often the runtime asking this goroutine to
			// yield, and a tick without data is a chance to.
			runtime.Gosched()
			if err := x.await(); err != nil {
				return 0, err
			}
		default:
			return 0, x.fail(err)
		}
	}
}

// await returns the deadline's error once it has passed; a deadline
// closer than the next tick is waited for in ppoll(2), to the microsecond.
func (x *blockingIO) await() error {
	for {
		dl := x.dl.Load()
		if dl == 0 {
			return nil
		}
		left := time.Duration(dl - time.Now().UnixNano())
		if left <= 0 {
			return x.timedOut()
		}
		if left >= Tick || waitReadable(x.fd, left) {
			return nil
		}
	}
}

// Wake shuts the reading side of the socket down, which makes a read
// blocked in the kernel return the end of the stream.
func (x *blockingIO) Wake() { unix.Shutdown(x.fd, unix.SHUT_RD) }

// Close shuts the socket down before closing it: a read blocked in the
// kernel holds the descriptor open.
func (x *blockingIO) Close() error {
	x.closed.Store(true)
	Shutdown(x.nc)
	return x.nc.Close()
}

// toPoller puts the socket back in non-blocking mode, which Go's reads
// and writes expect (the descriptor has stayed registered with the
// poller).
func (x *blockingIO) toPoller() (IO, error) {
	var serr error
	if err := x.rc.Control(func(fd uintptr) { serr = unix.SetNonblock(int(fd), true) }); err != nil {
		return x, err
	}
	if serr != nil {
		return x, serr
	}
	return x.rawIO.toPoller()
}

// busyPollIO is the BusyPoll mode: non-blocking raw reads in a loop, which
// looks at the clock and the other goroutines every Batch tries.
type busyPollIO struct{ rawIO }

func (x *busyPollIO) Mode() Mode { return BusyPoll }

func (x *busyPollIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	x.yield()
	for i := 1; ; i++ {
		if x.closed.Load() {
			return 0, x.fail(net.ErrClosed)
		}
		n, err := recv(x.fd, p, unix.MSG_DONTWAIT)
		switch err {
		case nil:
			return x.got(n)
		case unix.EINTR, unix.EAGAIN:
			if err == unix.EAGAIN && i%Batch != 0 {
				continue
			}
			if x.expired() {
				return 0, x.timedOut()
			}
			runtime.Gosched()
		default:
			return 0, x.fail(err)
		}
	}
}
