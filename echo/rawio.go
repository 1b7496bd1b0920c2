package echo

import (
	"io"
	"net"
	"syscall"

	"github.com/gigadex/gigadex/internal/sock"
)

// rawIO reads and writes a TCP socket of Go's network poller with raw
// non-blocking system calls, and waits in the poller through
// syscall.RawConn when the socket has nothing to read or no room to write.
//
// A Go read or write is a system call the runtime knows about: when it
// lasts longer than a tick of the runtime's monitor (20 µs), which a write
// of a batch of replies on loopback often does (the peer's TCP receive path
// runs in it), the runtime hands the thread's P to another thread, waking
// one. A raw call keeps the P, and a non-blocking one never waits, so a busy
// connection wakes no thread for nothing (docs/performance-analysis.md).
// Deadlines and Close work as for any net.Conn: the waits are the poller's.
type rawIO struct {
	rc      syscall.RawConn // nil: use the net.Conn
	p       []byte          // what the pending read fills or write sends
	n       int             // bytes read or written by the pending call
	err     error           // the system call's error
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
}

// init prepares raw I/O on nc, a TCP connection (not TLS). On systems
// without raw system calls, or for other connections, rc stays nil.
func (r *rawIO) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !sock.Supported || !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	r.rc, r.readFn, r.writeFn = rc, r.readOnce, r.writeOnce
}

// readOnce reads what has arrived into r.p, or asks RawConn.Read to wait.
func (r *rawIO) readOnce(fd uintptr) bool {
	for {
		n, err := sock.RecvNow(int(fd), r.p)
		switch err {
		case sock.ErrInterrupted:
			continue
		case sock.ErrWouldBlock:
			return false
		}
		r.n, r.err = n, err
		return true
	}
}

// writeOnce sends what of r.p[r.n:] the socket takes, and asks
// RawConn.Write to wait when its buffer is full.
func (r *rawIO) writeOnce(fd uintptr) bool {
	for r.n < len(r.p) {
		n, err := sock.RawSend(int(fd), r.p[r.n:])
		r.n += n
		switch err {
		case nil, sock.ErrInterrupted:
		case sock.ErrWouldBlock:
			return false
		default:
			r.err = err
			return true
		}
	}
	return true
}

// readConn reads from a connection of the poller, as net.Conn.Read does.
func (c *conn) readConn(p []byte) (int, error) {
	r := &c.raw
	if r.rc == nil || c.blocking {
		return c.nc.Read(p)
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Read(r.readFn)
	r.p = nil
	switch {
	case err != nil:
		return 0, err // a deadline or a closed connection
	case r.err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: r.err}
	case r.n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// writeConn writes p in full, or until the write deadline or an error, as
// net.Conn.Write does.
func (c *conn) writeConn(p []byte) (int, error) {
	r := &c.raw
	if r.rc == nil || c.blocking {
		return c.nc.Write(p)
	}
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Write(r.writeFn)
	n := r.n
	r.p = nil
	if err == nil && r.err != nil {
		err = &net.OpError{Op: "write", Net: "tcp", Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: r.err}
	}
	return n, err
}
