package client

// UsesPollerRaw reports whether c reads and writes with raw system calls
// that wait in Go's poller (sock.PollerIO).
func UsesPollerRaw(c *Conn) bool { return c.Receiver.pio != nil && c.Sender.pio != nil }
