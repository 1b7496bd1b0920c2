package client

import "github.com/gigadex/gigadex/internal/sock"

// IOOf returns the I/O that c reads and writes through.
func IOOf(c *Conn) sock.IO { return c.Receiver.io }
