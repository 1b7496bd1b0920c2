//go:build !unix

package client

import (
	"errors"
	"os"
	"time"
)

// canBusyPoll reports whether Poll can read a socket without waiting. Here
// it waits up to pollWait, so WithBusyPoll has no effect.
const canBusyPoll = false

// pollWait bounds the read with which Poll looks for data.
const pollWait = 50 * time.Microsecond

// readOnce is unused on this system.
func (r *Receiver) readOnce(fd uintptr) bool { return true }

// pollOnce reads what has arrived, waiting at most pollWait (plus the
// timer's resolution) for it, then puts back the read deadline that
// setReadLimit last set.
func (r *Receiver) pollOnce() (n int, again bool, err error) {
	r.nc.SetReadDeadline(time.Now().Add(pollWait))
	n, err = r.nc.Read(r.buf[r.w:])
	r.nc.SetReadDeadline(r.readDeadline)
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, true, nil
	}
	return n, false, err
}
