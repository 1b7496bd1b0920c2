// Package sock switches TCP connections to blocking system calls, for the
// latency-critical connections of gigadex's client and echo server.
//
// Go parks a goroutine whose socket has no data in its network poller and
// wakes it through epoll, which costs several microseconds per round trip. A
// socket in blocking mode makes read(2) sleep in the kernel instead, and the
// kernel wakes the thread directly when data arrives: a lower round-trip time
// at the price of one OS thread per waiting connection. Go's read and write
// deadlines cannot interrupt a blocked system call, so timeouts are also set
// as SO_RCVTIMEO and SO_SNDTIMEO: when they expire the call returns EAGAIN and
// Go's own deadline logic takes over.
//
// The fast path exists on Linux only ([Supported]). Elsewhere every function
// keeps the same signature and returns [ErrUnsupported], and callers keep
// using Go's network poller.
package sock

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// ErrNotSocket is returned for a connection without a file descriptor.
var ErrNotSocket = errors.New("sock: not a socket connection")

// ErrUnsupported is returned on systems without the blocking fast path.
var ErrUnsupported = errors.New("sock: blocking sockets are not supported on this system")

// Tick is the SO_RCVTIMEO that SetBlocking callers use for raw receives:
// how often a receive blocked in the kernel returns to let its caller check
// deadlines and cancellation, and let the Go runtime stop the world for a
// garbage collection.
const Tick = 20 * time.Millisecond

func control(nc net.Conn, fn func(fd int) error) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return ErrNotSocket
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// FD returns the file descriptor of nc. It stays valid until nc is closed.
func FD(nc net.Conn) (int, error) {
	fd := -1
	err := control(nc, func(f int) error { fd = f; return nil })
	return fd, err
}
