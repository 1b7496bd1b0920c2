package sock

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// PollerIO reads and writes a TCP socket of Go's network poller with raw
// non-blocking system calls, and waits in the poller, through
// syscall.RawConn, only when the socket has nothing to read or no room to
// write.
//
// A Go read or write is a system call the runtime knows about: when it
// lasts longer than a tick of the runtime's monitor (sysmon, 20 µs), which
// a write of a batch of frames on loopback often does (the peer's TCP
// receive path runs inside it), the runtime hands the thread's P to another
// thread, waking one if need be. A raw call keeps the P, and a non-blocking
// one never waits, so a busy connection wakes no thread for nothing
// (docs/performance-analysis.md). Deadlines and Close work as for any
// net.Conn, since the waits are the poller's, and errors have net.Conn's
// form.
//
// A PollerIO is not safe for concurrent use, except that one goroutine may
// Read while another Writes.
type PollerIO struct {
	nc net.Conn
	rc syscall.RawConn
	r  call // the pending Read
	w  call // the pending Write
}

// call is the state of one Read or Write, kept in the PollerIO so that the
// callbacks, made once, allocate nothing.
type call struct {
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

// NewPollerIO returns a PollerIO for nc, or nil when nc is not a
// *net.TCPConn or *net.UnixConn itself (a TLS connection, or a wrapper
// whose own Read and Write must run, say) or the system has no raw system
// calls ([Supported]). The socket must be in non-blocking mode, as Go
// leaves it.
func NewPollerIO(nc net.Conn) *PollerIO {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	}
	if !Supported || sc == nil {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	x := &PollerIO{nc: nc, rc: rc}
	x.r.fn, x.w.fn = x.readOnce, x.writeOnce
	return x
}

// Read reads what has arrived into p, waiting in the poller until something
// does or the read deadline passes, with net.Conn.Read's results: io.EOF at
// the end of the stream, an error wrapping os.ErrDeadlineExceeded at the
// deadline, net.ErrClosed after Close.
func (x *PollerIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c := &x.r
	c.p, c.n, c.err = p, 0, nil
	err := x.rc.Read(c.fn)
	c.p = nil
	switch {
	case err != nil:
		return 0, OpError("read", x.nc, err)
	case c.err != nil:
		return 0, OpError("read", x.nc, os.NewSyscallError("read", c.err))
	case c.n == 0:
		return 0, io.EOF
	}
	return c.n, nil
}

// Write writes all of p, waiting in the poller while the socket's buffer is
// full, until the write deadline, with net.Conn.Write's results: n is what
// was written, also when err is not nil.
func (x *PollerIO) Write(p []byte) (int, error) {
	c := &x.w
	c.p, c.n, c.err = p, 0, nil
	err := x.rc.Write(c.fn)
	n := c.n
	c.p = nil
	switch {
	case err != nil:
		return n, OpError("write", x.nc, err)
	case c.err != nil:
		return n, OpError("write", x.nc, os.NewSyscallError("write", c.err))
	}
	return n, nil
}

// readOnce reads what has arrived, or asks RawConn.Read to wait (false).
func (x *PollerIO) readOnce(fd uintptr) bool {
	c := &x.r
	for {
		n, err := RecvNow(int(fd), c.p)
		switch err {
		case ErrInterrupted:
			continue
		case ErrWouldBlock:
			return false
		}
		c.n, c.err = n, err
		return true
	}
}

// writeOnce sends what of the rest the socket takes, and asks RawConn.Write
// to wait (false) when its buffer is full.
func (x *PollerIO) writeOnce(fd uintptr) bool {
	c := &x.w
	for c.n < len(c.p) {
		n, err := RawSend(int(fd), c.p[c.n:])
		c.n += n
		switch err {
		case nil, ErrInterrupted:
		case ErrWouldBlock:
			return false
		default:
			c.err = err
			return true
		}
	}
	return true
}

// OpError gives an error of a raw read or write on nc the form and message
// of net.Conn's: "read tcp 127.0.0.1:5000->127.0.0.1:7777: connection
// reset by peer". A plain errno is named as a system call's error.
func OpError(op string, nc net.Conn, err error) error {
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		err = oe.Err // RawConn's own ("raw-read tcp ...")
	} else if errno, ok := err.(syscall.Errno); ok {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: nc.LocalAddr().Network(), Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: err}
}
