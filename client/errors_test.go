package client_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
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

// TestCloseDuringCalls: Close from another goroutine ends a Recv waiting for
// data and a Flush waiting for room with net.ErrClosed, in every I/O mode.
func TestCloseDuringCalls(t *testing.T) {
	for _, mode := range ioModes {
		t.Run(mode.name+"/recv", func(t *testing.T) {
			c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }, mode.opts...)
			done := make(chan error, 1)
			go func() {
				_, err := c.Recv()
				done <- err
			}()
			time.Sleep(50 * time.Millisecond)
			c.Close()
			wantClosed(t, "Recv", done)
		})
		t.Run(mode.name+"/flush", func(t *testing.T) {
			hold := make(chan struct{})
			defer close(hold)
			opts := append([]client.Option{client.WithSocketBuffers(4096, 4096), client.WithWriteBufferSize(1 << 20)}, mode.opts...)
			c := peer(t, func(nc net.Conn) { <-hold }, opts...) // never reads
			for i := range (1 << 20) / wire.FrameLen {
				if err := c.Send(wire.CancelOrder{ID: uint64(i)}); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { done <- c.Flush() }()
			time.Sleep(100 * time.Millisecond)
			c.Close()
			wantClosed(t, "Flush", done)
		})
	}
}

// wantClosed checks that the call behind done, ended by Close, returned
// net.ErrClosed within 5 s.
func wantClosed(t *testing.T, call string, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s ended by Close: %v, want net.ErrClosed", call, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s still waiting 5 s after Close", call)
	}
}

// TestResetNamesConnection: a reset by the peer is an error that names the
// operation and both addresses, as net.Conn's do, in every I/O mode.
func TestResetNamesConnection(t *testing.T) {
	for _, mode := range ioModes {
		t.Run(mode.name, func(t *testing.T) {
			c := peer(t, func(nc net.Conn) {
				io.ReadFull(nc, make([]byte, wire.FrameLen)) // connected on both sides
				nc.(*net.TCPConn).SetLinger(0)
				nc.Close() // with linger 0: a reset
			}, append([]client.Option{client.WithRecvTimeout(5 * time.Second)}, mode.opts...)...)
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
	}
}
