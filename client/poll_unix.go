//go:build unix

package client

import (
	"io"

	"golang.org/x/sys/unix"

	"github.com/gigadex/gigadex/internal/sock"
)

// canBusyPoll reports whether Poll can read a socket without waiting.
const canBusyPoll = true

// readOnce is a single read into the free part of the buffer that does not
// wait, for RawConn.Read: returning true stops it from waiting. A socket in
// blocking mode (WithBlockingIO) is read with MSG_DONTWAIT.
func (r *Receiver) readOnce(fd uintptr) bool {
	var n int
	var err error
	if r.blocking {
		n, err = sock.RecvNow(int(fd), r.buf[r.w:])
	} else {
		n, err = unix.Read(int(fd), r.buf[r.w:])
	}
	if n < 0 {
		n = 0
	}
	r.pollN, r.pollErr = n, err
	return true
}

// pollOnce reads what has arrived without waiting; again reports that
// nothing had (or that a signal interrupted the read).
func (r *Receiver) pollOnce() (n int, again bool, err error) {
	if err := r.rc.Read(r.pollFn); err != nil {
		return 0, false, sock.OpError("read", r.nc, err) // a deadline (not final) or a closed connection
	}
	n, err = r.pollN, r.pollErr
	if err == unix.EAGAIN || err == unix.EINTR {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, sock.OpError("read", r.nc, err)
	}
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n, false, err
}
