//go:build !linux

package client

import "time"

// waitReadable sleeps for d; precise waits are implemented on Linux only.
func (r *Receiver) waitReadable(d time.Duration) bool {
	time.Sleep(d)
	return false
}
