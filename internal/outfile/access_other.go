//go:build !unix

package outfile

// writable reports nothing on this system: opening the file tells.
func writable(string) error { return nil }

// writableDir reports nothing on this system: creating the file tells.
func writableDir(string) error { return nil }
