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
package sock

import (
	"errors"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrNotSocket is returned for a connection without a file descriptor.
var ErrNotSocket = errors.New("sock: not a socket connection")

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

// SetBlocking puts the socket of nc in blocking mode, with the given receive
// and send timeouts (0: none).
func SetBlocking(nc net.Conn, recvTimeout, sendTimeout time.Duration) error {
	return control(nc, func(fd int) error {
		if err := unix.SetNonblock(fd, false); err != nil {
			return err
		}
		if err := setTimeout(fd, unix.SO_RCVTIMEO, recvTimeout); err != nil {
			return err
		}
		return setTimeout(fd, unix.SO_SNDTIMEO, sendTimeout)
	})
}

// SetRecvTimeout changes SO_RCVTIMEO; it applies from the next read on.
func SetRecvTimeout(nc net.Conn, d time.Duration) error {
	return control(nc, func(fd int) error { return setTimeout(fd, unix.SO_RCVTIMEO, d) })
}

func setTimeout(fd, opt int, d time.Duration) error {
	tv := unix.NsecToTimeval(int64(max(d, 0)))
	if d > 0 && tv.Sec == 0 && tv.Usec == 0 {
		tv.Usec = 1
	}
	return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv)
}

// WakeReader shuts down the reading side of the socket, which makes a read
// blocked in the kernel return end of stream; later reads do too.
func WakeReader(nc net.Conn) error {
	return control(nc, func(fd int) error { return unix.Shutdown(fd, unix.SHUT_RD) })
}

// Shutdown shuts down both directions of the socket, which ends reads and
// writes blocked in the kernel; use it before closing a blocking connection.
func Shutdown(nc net.Conn) error {
	return control(nc, func(fd int) error { return unix.Shutdown(fd, unix.SHUT_RDWR) })
}

// Tick is the SO_RCVTIMEO that SetBlocking callers use for raw receives:
// how often a receive blocked in the kernel returns to let its caller check
// deadlines and let the Go runtime stop the world for a garbage collection.
const Tick = 20 * time.Millisecond

// FD returns the file descriptor of nc. It stays valid until nc is closed.
func FD(nc net.Conn) (int, error) {
	fd := -1
	err := control(nc, func(f int) error { fd = f; return nil })
	return fd, err
}

// RawRecv receives into p with a raw recvfrom(2) system call: unlike a Go
// system call, it keeps the thread's P while the kernel blocks it, so no
// other thread is woken to take the P over and back. recvfrom, not read:
// with SO_RCVTIMEO set, a signal (Go preempts threads with SIGURG)
// interrupts it with EINTR instead of restarting it and its timeout. It
// returns 0, nil at end of stream, and EAGAIN when SO_RCVTIMEO expires.
func RawRecv(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// RawSend sends what of p the socket's buffer takes now, with a raw
// sendto(2) call that never blocks (MSG_DONTWAIT) and never raises SIGPIPE
// (MSG_NOSIGNAL: a closed peer gives EPIPE). Like RawRecv it keeps the
// thread's P: a Go write would enter a system call, and if the kernel ran
// the woken peer before the call returned, the runtime would hand the P to
// another thread. It returns EAGAIN when the buffer is full; the caller
// then writes the rest the ordinary way, which waits.
func RawSend(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
