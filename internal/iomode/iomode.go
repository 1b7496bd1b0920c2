// Package iomode holds the names of the I/O modes that the client and the
// echo server share: auto, poller, blocking and busy-poll. Each package has
// its own IOMode type, because "auto" decides differently for a client and
// for a server; the names and their parsing are the same.
package iomode

import "fmt"

// names are the modes' names, by value: auto is 0, busy-poll 3.
var names = [...]string{"auto", "poller", "blocking", "busy-poll"}

// String returns the name of mode m, or "IOMode(m)" for a value out of
// range.
func String[M ~int](m M) string {
	if m >= 0 && int(m) < len(names) {
		return names[m]
	}
	return fmt.Sprintf("IOMode(%d)", int(m))
}

// Parse returns the mode named s; pkg prefixes the error.
func Parse[M ~int](pkg, s string) (M, error) {
	for i, n := range names {
		if s == n {
			return M(i), nil
		}
	}
	return 0, fmt.Errorf("%s: unknown I/O mode %q (want auto, poller, blocking or busy-poll)", pkg, s)
}
