package client

import (
	"time"

	"golang.org/x/sys/unix"
)

// waitReadable blocks the calling thread in ppoll(2) until the socket is
// readable or d has passed, and reports whether it is readable. ppoll's
// high-resolution timeout wakes up within tens of microseconds, where Go's
// timers and read deadlines wake up about a millisecond late.
func (r *Receiver) waitReadable(d time.Duration) bool {
	if r.fd < 0 {
		time.Sleep(d)
		return false
	}
	ts := unix.NsecToTimespec(int64(d))
	fds := [1]unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Ppoll(fds[:], &ts, nil)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}
