//go:build unix

package outfile

import "golang.org/x/sys/unix"

// writable reports, as access(2) does, whether this process may write to
// file.
func writable(file string) error { return unix.Access(file, unix.W_OK) }

// writableDir reports whether this process may create files in dir.
func writableDir(dir string) error { return unix.Access(dir, unix.W_OK|unix.X_OK) }
