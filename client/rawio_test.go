package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
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
	if !sock.Raw {
		t.Skip("no raw system calls on this system")
	}
	t.Run("used", func(t *testing.T) {
		c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) })
		if !usesPollerRaw(c) {
			t.Error("poller-mode TCP connection: raw I/O not in use")
		}
		b := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }, client.WithIOMode(client.IOBlocking))
		if usesPollerRaw(b) {
			t.Error("blocking connection: poller raw I/O in use")
		}
	})
	t.Run("wrapper", func(t *testing.T) {
		// A net.Conn that wraps a TCP connection keeps its own Read and
		// Write: the raw path is for the socket types themselves.
		c := peer(t, func(nc net.Conn) { io.Copy(nc, nc) })
		w := &byteCounter{TCPConn: c.NetConn().(*net.TCPConn)}
		wc := client.NewConn(w, client.WithRecvTimeout(5*time.Second))
		if usesPollerRaw(wc) {
			t.Error("wrapped connection: raw I/O in use")
		}
		if _, err := wc.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w.read == 0 || w.written != wire.FrameLen {
			t.Errorf("the wrapper saw %d bytes written, %d read; want %d and some", w.written, w.read, wire.FrameLen)
		}
	})
	t.Run("unix", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "s")
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Skip(err)
		}
		defer ln.Close()
		hold := make(chan struct{})
		served := make(chan struct{})
		defer func() { close(hold); <-served }()
		go func() {
			defer close(served)
			nc, err := ln.Accept()
			if err == nil {
				defer nc.Close()
				<-hold // silent until the test ends
			}
		}()
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c := client.NewConn(nc, client.WithRecvTimeout(50*time.Millisecond))
		defer c.Close()
		if !usesPollerRaw(c) {
			t.Error("Unix socket: raw I/O not in use")
		}
		_, err = c.Recv()
		if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "read unix ") {
			t.Errorf("Recv: %v; want a timeout named like net.Conn's (read unix ...)", err)
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

// usesPollerRaw reports whether c reads and writes with raw system calls
// that wait in Go's poller: the Poller mode's own type, not net.Conn's
// Read and Write.
func usesPollerRaw(c *client.Conn) bool {
	return fmt.Sprintf("%T", client.IOOf(c)) == "*sock.pollerIO"
}

// byteCounter counts what goes through its own Read and Write. It embeds
// the *net.TCPConn, so it has the socket's SyscallConn too.
type byteCounter struct {
	*net.TCPConn
	read, written int
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.read += n
	return n, err
}

func (c *byteCounter) Write(p []byte) (int, error) {
	n, err := c.TCPConn.Write(p)
	c.written += n
	return n, err
}
