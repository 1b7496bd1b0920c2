package client

// UsesPollerRaw reports whether c reads and writes with raw system calls
// that wait in Go's poller (see usePollerRaw).
func UsesPollerRaw(c *Conn) bool { return c.Receiver.rawFn != nil && c.Sender.rawFn != nil }
