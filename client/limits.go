package client

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
)

// Helpers through which the load drivers bound every blocking call of a
// Conn and look at what a peer sent.

// setLimits sets the read deadline to rd, which is rdNs from now (for raw
// reads too), and the write deadline to wd.
func (c *Conn) setLimits(rd time.Time, rdNs int64, wd time.Time) {
	c.Receiver.setReadLimit(rd, rdNs)
	c.nc.SetWriteDeadline(wd)
}

// waitReadWrite waits up to d until the socket has something to read or
// room to write (see sock.IO.WaitReadWrite).
func (c *Conn) waitReadWrite(d time.Duration) { c.Receiver.io.WaitReadWrite(d) }

// abort shuts the socket down in both directions: every read or write
// blocked on it, in Go's poller or in the kernel, returns at once, and so
// do later ones. It is safe to call while another goroutine uses c.
func (c *Conn) abort() {
	sock.Shutdown(rawConn(c.nc))
}

// rawConn returns the TCP connection under a TLS one.
func rawConn(nc net.Conn) net.Conn {
	if tc, ok := nc.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return nc
}

// head returns up to n received bytes not yet consumed as frames: after a
// malformed frame, the bytes that failed to parse. It aliases the buffer.
func (r *Receiver) head(n int) []byte { return r.buf[r.r:min(r.w, r.r+n)] }

// received returns the number of bytes received so far, whole frames or
// not.
func (r *Receiver) received() int64 { return r.off + int64(r.w-r.r) }
