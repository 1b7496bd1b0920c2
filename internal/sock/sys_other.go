//go:build !linux

package sock

import (
	"net"
	"syscall"
)

// Raw is true where the raw modes exist: on Linux.
const Raw = false

// openRaw returns nc's own Read and Write, in Poller mode: this system
// has no raw modes.
func openRaw(nc net.Conn, rc syscall.RawConn, m Mode) (IO, error) { return &netIO{nc: nc}, nil }

// Shutdown returns [ErrUnsupported].
func Shutdown(nc net.Conn) error { return ErrUnsupported }

// Pending returns [ErrUnsupported].
func Pending(nc net.Conn) (int, error) { return 0, ErrUnsupported }

// CPUAffinity returns "": this system's CPU affinity is not read.
func CPUAffinity() string { return "" }
