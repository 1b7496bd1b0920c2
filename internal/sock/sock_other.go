//go:build !linux

package sock

import (
	"errors"
	"net"
	"time"
)

// Errors of RawRecv that mean "try again". RawRecv never returns them on
// this system.
var (
	ErrInterrupted = errors.New("sock: interrupted system call")
	ErrWouldBlock  = errors.New("sock: resource temporarily unavailable")
)

// Supported reports whether this system has the blocking fast path.
const Supported = false

// SetBlocking returns [ErrUnsupported]: the connection stays with Go's
// network poller.
func SetBlocking(nc net.Conn, recvTimeout, sendTimeout time.Duration) error {
	return ErrUnsupported
}

// WakeReader returns [ErrUnsupported].
func WakeReader(nc net.Conn) error { return ErrUnsupported }

// Shutdown returns [ErrUnsupported].
func Shutdown(nc net.Conn) error { return ErrUnsupported }

// RawRecv returns [ErrUnsupported].
func RawRecv(fd int, p []byte) (int, error) { return 0, ErrUnsupported }

// RawSend returns [ErrUnsupported].
func RawSend(fd int, p []byte) (int, error) { return 0, ErrUnsupported }

// SetNonblock returns [ErrUnsupported].
func SetNonblock(fd int, on bool) error { return ErrUnsupported }

// RecvNow returns [ErrUnsupported].
func RecvNow(fd int, p []byte) (int, error) { return 0, ErrUnsupported }

// Pending returns [ErrUnsupported].
func Pending(nc net.Conn) (int, error) { return 0, ErrUnsupported }
