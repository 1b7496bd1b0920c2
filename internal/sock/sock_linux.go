//go:build linux

package sock

import (
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Errors of RawRecv that mean "try again": a signal interrupted it, or
// SO_RCVTIMEO expired.
var (
	ErrInterrupted error = unix.EINTR
	ErrWouldBlock  error = unix.EAGAIN
)

// Supported reports whether this system has the blocking fast path.
const Supported = true

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

// RawRecv receives into p with a raw recvfrom(2) system call: unlike a Go
// system call, it keeps the thread's P while the kernel blocks it, so no
// other thread is woken to take the P over and back. recvfrom, not read:
// with SO_RCVTIMEO set, a signal (Go preempts threads with SIGURG)
// interrupts it with EINTR instead of restarting it and its timeout. It
// returns 0, nil at end of stream, [ErrWouldBlock] (EAGAIN) when SO_RCVTIMEO
// expires and [ErrInterrupted] (EINTR) after a signal.
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
// another thread. It returns [ErrWouldBlock] when the buffer is full; the
// caller then writes the rest the ordinary way, which waits.
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

// SetNonblock puts the socket fd back in non-blocking mode (on) or in
// blocking mode (off).
func SetNonblock(fd int, on bool) error { return unix.SetNonblock(fd, on) }

// RecvNow receives into p what has arrived, without waiting even on a
// blocking socket (MSG_DONTWAIT), with a raw recvfrom(2) call. It returns
// [ErrWouldBlock] when nothing has arrived and 0, nil at end of stream.
func RecvNow(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// Pending returns how many bytes are waiting in the receive queue of nc's
// socket (FIONREAD), whatever nc's deadlines say.
func Pending(nc net.Conn) (int, error) {
	n := 0
	err := control(nc, func(fd int) error {
		var err error
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n, err
}
