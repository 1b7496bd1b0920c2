package sock

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Tick is how often a read blocked in the kernel (Blocking mode) returns to
// check its deadline and whether the connection was closed, and lets the Go
// runtime stop the world for a garbage collection.
const Tick = 20 * time.Millisecond

// Batch is how many raw reads a connection makes between two passes through
// the Go scheduler (runtime.Gosched), and how many empty tries a busy-poll
// read makes between two looks at the clock. The runtime preempts, with a
// signal (SIGURG), a goroutine that has run for 10 ms without a pause; the
// signal interrupts a raw receive and lands in someone's round trip. A
// connection with round trips shorter than 150 µs yields before that
// happens, and a Gosched with nothing else to run costs a fraction of a
// microsecond, a few nanoseconds a read.
const Batch = 64

// ErrWouldBlock is returned by [IO.ReadNow] when nothing has arrived, and by
// [IO.WriteNow] when the socket takes no more.
var ErrWouldBlock = errors.New("sock: the socket is not ready")

// IO reads, writes and waits on one connection in one [Mode]. Read and
// ReadNow may be called by one goroutine while another calls Write;
// SetReadDeadline, Wake and Close may be called from any goroutine.
type IO interface {
	// Mode returns the connection's mode: Poller, Blocking or BusyPoll.
	Mode() Mode
	// Read reads what has arrived into p, waiting until something does,
	// with net.Conn.Read's results: io.EOF at the end of the stream, an
	// error wrapping os.ErrDeadlineExceeded (a net.Error whose Timeout is
	// true) at the read deadline, one wrapping net.ErrClosed after Close.
	Read(p []byte) (int, error)
	// ReadNow reads what has arrived into p without waiting, and returns
	// ErrWouldBlock when nothing has; its other results are Read's.
	ReadNow(p []byte) (int, error)
	// Write writes all of p, waiting in Go's poller while the socket's
	// buffer is full, until the write deadline (set on the net.Conn), with
	// net.Conn.Write's results.
	Write(p []byte) (int, error)
	// WriteNow writes what of p the socket's buffer takes now, and returns
	// ErrWouldBlock with the count when it takes no more. Without raw
	// system calls it is Write, which waits.
	WriteNow(p []byte) (int, error)
	// WaitReadWrite waits up to d until there is something to read or room
	// to write, for a writer that must also read so that its peer, which
	// may be waiting for room to write its answers, reads again. Without
	// raw system calls (where WriteNow waits) it returns at once.
	WaitReadWrite(d time.Duration)
	// WaitReadable waits up to d for something to read and reports whether
	// it came. On Linux it waits in ppoll(2), which wakes within tens of
	// microseconds where Go's timers wake about a millisecond late;
	// elsewhere, and for connections without a socket, it sleeps for d.
	WaitReadable(d time.Duration) bool
	// SetReadDeadline sets the deadline of Read (zero: none).
	SetReadDeadline(t time.Time) error
	// Wake ends a Read blocked in the kernel (Blocking mode) with io.EOF,
	// and every later one; in the other modes, where a past read deadline
	// does that, it does nothing.
	Wake()
	// Close closes the connection, first ending any system call blocked
	// in the kernel (which would keep the descriptor open).
	Close() error
}

// Open returns the I/O of nc in mode m. Auto is taken as Poller. A
// connection that is not a *net.TCPConn or *net.UnixConn itself, or a
// system without raw system calls, gets nc's own Read and Write in Poller
// mode, whatever m asked. An error means the socket could not be put in
// the mode; nc is then as it was.
func Open(nc net.Conn, m Mode) (IO, error) {
	rc := rawConn(nc)
	if rc == nil {
		return &netIO{nc: nc}, nil
	}
	return openRaw(nc, rc, m)
}

// rawConn returns the RawConn of a plain socket connection, or nil.
func rawConn(nc net.Conn) syscall.RawConn {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// netIO is the I/O of a connection without raw system calls: its own Read
// and Write, waiting in Go's poller.
type netIO struct {
	nc net.Conn
	dl atomic.Int64 // the read deadline (Unix ns; 0: none), put back after ReadNow
}

// nowWait is how long ReadNow waits for data on a connection without raw
// system calls: a deadline already past would not read at all.
const nowWait = 50 * time.Microsecond

func (x *netIO) Mode() Mode                        { return Poller }
func (x *netIO) Read(p []byte) (int, error)        { return x.nc.Read(p) }
func (x *netIO) Write(p []byte) (int, error)       { return x.nc.Write(p) }
func (x *netIO) WriteNow(p []byte) (int, error)    { return x.nc.Write(p) }
func (x *netIO) WaitReadWrite(time.Duration)       {}
func (x *netIO) Wake()                             {}
func (x *netIO) Close() error                      { return x.nc.Close() }
func (x *netIO) WaitReadable(d time.Duration) bool { time.Sleep(d); return false }

func (x *netIO) SetReadDeadline(t time.Time) error {
	x.dl.Store(unixNano(t))
	return x.nc.SetReadDeadline(t)
}

// ReadNow reads with a read deadline nowWait ahead, then puts the
// connection's own back.
func (x *netIO) ReadNow(p []byte) (int, error) {
	x.nc.SetReadDeadline(time.Now().Add(nowWait))
	n, err := x.nc.Read(p)
	x.nc.SetReadDeadline(fromUnixNano(x.dl.Load()))
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, ErrWouldBlock
	}
	return n, err
}

// unixNano returns t in Unix ns, 0 for the zero time (no deadline).
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is the inverse of unixNano.
func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
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

// ToPoller returns the Poller-mode I/O of the connection of x, for good:
// a blocking socket goes back to non-blocking mode. x must not be used
// after, except when an error is returned: x then stays as it was.
func ToPoller(x IO) (IO, error) {
	if r, ok := x.(interface{ toPoller() (IO, error) }); ok {
		return r.toPoller()
	}
	return x, nil
}

// ErrNotSocket is returned for a connection without a socket of its own.
var ErrNotSocket = errors.New("sock: not a socket connection")

// ErrUnsupported is returned where this system lacks a system call.
var ErrUnsupported = errors.New("sock: not supported on this system")
