package client_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/wire"
)

// TestRecvTimeoutIsNotFinal: a receive timeout leaves the connection
// usable in every I/O mode: the frame that comes later is returned.
func TestRecvTimeoutIsNotFinal(t *testing.T) {
	for _, mode := range ioModes {
		t.Run(mode.name, func(t *testing.T) {
			release := make(chan struct{})
			c := peer(t, func(nc net.Conn) {
				<-release
				nc.Write(wire.AppendCancelAck(nil, 7))
				io.Copy(io.Discard, nc)
			}, append([]client.Option{client.WithRecvTimeout(50 * time.Millisecond)}, mode.opts...)...)
			defer close(release)
			for i := 0; i < 2; i++ {
				_, err := c.Recv()
				var ne net.Error
				if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("Recv %d: %v; want a timeout", i, err)
				}
			}
			release <- struct{}{}
			c2 := c
			var v wire.View
			var err error
			for i := 0; i < 200; i++ { // 50 ms each: the frame comes long before
				if v, err = c2.Recv(); !errors.Is(err, os.ErrDeadlineExceeded) {
					break
				}
			}
			if a, ok := v.CancelAck(); err != nil || !ok || a.ID() != 7 {
				t.Fatalf("after timeouts: %v, %v; want CancelAck 7", v.Message(), err)
			}
		})
	}
}

// TestClosedIsFinal: after Close, receiving and sending fail with
// net.ErrClosed, every time.
func TestClosedIsFinal(t *testing.T) {
	for _, mode := range ioModes {
		t.Run(mode.name, func(t *testing.T) {
			c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }, mode.opts...)
			c.Close()
			for i := 0; i < 2; i++ {
				if _, err := c.Recv(); !errors.Is(err, net.ErrClosed) {
					t.Fatalf("Recv %d after Close: %v, want net.ErrClosed", i, err)
				}
				if err := c.SendFlush(wire.CancelOrder{}); !errors.Is(err, net.ErrClosed) {
					t.Fatalf("SendFlush %d after Close: %v, want net.ErrClosed", i, err)
				}
			}
		})
	}
}

// TestFlushTimeoutIsNotFinal: when the peer stops reading, Flush times out
// and keeps the bytes not written; once the peer reads again, they all
// arrive, whole and in order.
func TestFlushTimeoutIsNotFinal(t *testing.T) {
	release := make(chan struct{})
	got := make(chan error, 1)
	c := peer(t, func(nc net.Conn) {
		<-release
		var d wire.Decoder
		next := uint64(0)
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			if ferr := d.Feed(buf[:n], func(v wire.View) error {
				if co, ok := v.CancelOrder(); !ok || co.ID() != next {
					return fmt.Errorf("frame %d: %v", next, v.Message())
				}
				next++
				return nil
			}); ferr != nil {
				got <- ferr
				return
			}
			if err == io.EOF {
				got <- d.Close()
				if next == 0 {
					got <- errors.New("no frames")
				}
				return
			}
			if err != nil {
				got <- err
				return
			}
		}
	}, client.WithSendTimeout(50*time.Millisecond), client.WithSocketBuffers(4096, 4096), client.WithWriteBufferSize(4096))
	var err error
	for i := uint64(0); i < 1<<20; i++ {
		if err = c.Send(wire.CancelOrder{ID: i}); err != nil {
			break
		}
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		close(release)
		t.Fatalf("Send to a peer that does not read: %v; want a send timeout", err)
	}
	if c.Buffered() == 0 {
		t.Error("nothing kept after a send timeout")
	}
	close(release)
	for i := 0; ; i++ {
		if err = c.Flush(); !errors.Is(err, os.ErrDeadlineExceeded) || i == 200 {
			break
		}
	}
	if err != nil {
		t.Fatalf("Flush once the peer reads: %v", err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("peer: %v", err)
	}
	if c.BytesWritten() != c.Sent()*wire.FrameLen {
		t.Errorf("wrote %d bytes for %d frames", c.BytesWritten(), c.Sent())
	}
}
