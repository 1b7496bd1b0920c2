//go:build unix

package testutil

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time the process has used so far, user and
// system, in ns: what a benchmark on a shared machine can divide by its
// operations when the wall clock also counts other processes' turns.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
