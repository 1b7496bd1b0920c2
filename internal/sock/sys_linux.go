//go:build linux

package sock

import (
	"fmt"
	"net"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recv receives into p with a raw recvfrom(2) system call, which keeps the
// thread's P whatever the kernel does: 0, nil at the end of the stream,
// the errno otherwise.
func recv(fd int, p []byte, flags int) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// send sends what of p the socket's buffer takes now, with a raw sendto(2)
// call that never blocks (MSG_DONTWAIT) and never raises SIGPIPE
// (MSG_NOSIGNAL: a closed peer gives EPIPE). Like recv it keeps the
// thread's P: a Go write would enter a system call, and if the kernel ran
// the woken peer before the call returned, the runtime would hand the P to
// another thread. EAGAIN means the buffer is full.
func send(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// setBlocking puts the socket fd in blocking mode, its receive timeout
// (SO_RCVTIMEO) and send timeout (SO_SNDTIMEO) at tick.
func setBlocking(fd int, tick time.Duration) error {
	if err := unix.SetNonblock(fd, false); err != nil {
		return err
	}
	tv := unix.NsecToTimeval(int64(tick))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
}

// waitReadable blocks the calling thread in ppoll(2) until the socket fd is
// readable or d has passed, and reports whether it is readable.
func waitReadable(fd int, d time.Duration) bool {
	if fd < 0 {
		time.Sleep(d)
		return false
	}
	ts := unix.NsecToTimespec(int64(d))
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Ppoll(fds[:], &ts, nil)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// waitReadWrite blocks the calling thread in ppoll(2) until the socket fd is
// readable or writable, or d has passed.
func waitReadWrite(fd int, d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLOUT}}
	for {
		if _, err := unix.Ppoll(fds[:], &ts, nil); err != unix.EINTR {
			return
		}
	}
}

// Shutdown shuts the socket of nc down in both directions: every read or
// write blocked on it, in Go's poller or in the kernel, returns at once,
// and so do later ones. It is safe to call while other goroutines use nc.
func Shutdown(nc net.Conn) error {
	return control(nc, func(fd int) error { return unix.Shutdown(fd, unix.SHUT_RDWR) })
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

// control runs fn on the descriptor of nc's socket.
func control(nc net.Conn, fn func(fd int) error) error {
	rc := rawConn(nc)
	if rc == nil {
		return ErrNotSocket
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// CPUAffinity returns the CPUs this process may run on, as ranges ("0",
// "0-1", "0,2-3"), or "" if the system does not say.
func CPUAffinity() string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return ""
	}
	var parts []string
	for lo := 0; lo < 1024; lo++ {
		if !set.IsSet(lo) {
			continue
		}
		hi := lo
		for hi+1 < 1024 && set.IsSet(hi+1) {
			hi++
		}
		if hi == lo {
			parts = append(parts, fmt.Sprint(lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lo, hi))
		}
		lo = hi
	}
	return strings.Join(parts, ",")
}
