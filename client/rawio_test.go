package client_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/wire"
)

// TestPollerRawIO: a poller-mode TCP connection reads and writes with raw
// system calls where the system has them, and its errors read as
// net.Conn's: a reset names the operation and both addresses, and a partial
// write waits in the poller for room, then completes.
func TestPollerRawIO(t *testing.T) {
	if !sock.Supported {
		t.Skip("no raw system calls on this system")
	}
	t.Run("used", func(t *testing.T) {
		c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) })
		if !client.UsesPollerRaw(c) {
			t.Error("poller-mode TCP connection: raw I/O not in use")
		}
		b := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }, client.WithBlockingIO(true))
		if client.UsesPollerRaw(b) {
			t.Error("blocking connection: poller raw I/O in use")
		}
	})
	t.Run("reset", func(t *testing.T) {
		c := peer(t, func(nc net.Conn) {
			io.ReadFull(nc, make([]byte, wire.FrameLen)) // connected on both sides
			nc.(*net.TCPConn).SetLinger(0)
			nc.Write(wire.AppendCancelAck(nil, 1))
			nc.Close() // with linger 0: a reset
		}, client.WithRecvTimeout(5*time.Second))
		if err := c.SendFlush(wire.CancelOrder{ID: 1}); err != nil {
			t.Fatal(err)
		}
		var err error
		for err == nil {
			_, err = c.Recv()
		}
		if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "read tcp 127.0.0.1:") ||
			!strings.Contains(err.Error(), "->127.0.0.1:") {
			t.Errorf("Recv after a reset: %v; want ECONNRESET named like net.Conn's", err)
		}
	})
	t.Run("large flush", func(t *testing.T) {
		// 1 MiB through a 4 KiB socket buffer: raw sends fill it again and
		// again, and Flush waits in the poller for the peer to read.
		const frames = 1 << 20 / wire.FrameLen
		got := make(chan int, 1)
		c := peer(t, func(nc net.Conn) {
			time.Sleep(50 * time.Millisecond) // let the buffer fill first
			n, _ := io.Copy(io.Discard, nc)
			got <- int(n)
		}, client.WithSocketBuffers(4096, 4096), client.WithWriteBufferSize(frames*wire.FrameLen),
			client.WithSendTimeout(10*time.Second))
		for i := range frames {
			if err := c.Send(wire.CancelOrder{ID: uint64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		if n := <-got; n != frames*wire.FrameLen || c.BytesWritten() != int64(n) {
			t.Errorf("peer read %d bytes, BytesWritten %d; want %d", n, c.BytesWritten(), frames*wire.FrameLen)
		}
	})
}
