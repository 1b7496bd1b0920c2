//go:build unix

package client

import (
	"io"

	"golang.org/x/sys/unix"
)

// canBusyPoll reports whether Poll can read a socket without waiting.
const canBusyPoll = true

// readOnce is a single non-blocking read(2) into the free part of the
// buffer, for RawConn.Read: returning true stops it from waiting.
func (r *Receiver) readOnce(fd uintptr) bool {
	n, err := unix.Read(int(fd), r.buf[r.w:])
	if n < 0 {
		n = 0
	}
	r.pollN, r.pollErr = n, err
	return true
}

// pollOnce reads what has arrived without waiting; again reports that
// nothing had. Go sockets are non-blocking, so one read(2) does it.
func (r *Receiver) pollOnce() (n int, again bool, err error) {
	if err := r.rc.Read(r.pollFn); err != nil {
		return 0, false, err // a deadline (not final) or a closed connection
	}
	n, err = r.pollN, r.pollErr
	if err == unix.EAGAIN {
		return 0, true, nil
	}
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n, false, err
}
