package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/wire"
)

// ioModes are the three ways a Conn waits for data.
var ioModes = []struct {
	name string
	opts []client.Option
}{
	{"poller", nil},
	{"blocking", []client.Option{client.WithIOMode(client.IOBlocking)}},
	{"busypoll", []client.Option{client.WithIOMode(client.IOBusyPoll)}},
}

// peer dials a loopback listener whose one connection is served by script,
// and returns the client side.
func peer(t *testing.T, script func(net.Conn), opts ...client.Option) *client.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(20 * time.Second)) // the peer never outlives a stuck test
		script(nc)
	}()
	c, err := client.Dial(testCtx(t), ln.Addr().String(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); wg.Wait() })
	return c
}

// echoAfter echoes every byte once release is closed.
func echoAfter(release <-chan struct{}) func(net.Conn) {
	return func(nc net.Conn) {
		<-release
		io.Copy(nc, nc)
	}
}

// TestPingContext: a Ping to a silent peer ends when its context does,
// whatever the I/O mode and a longer receive timeout, with the context's
// error; the connection then still works, and the late reply is kept.
func TestPingContext(t *testing.T) {
	for _, mode := range ioModes {
		for _, how := range []string{"deadline", "cancel"} {
			t.Run(mode.name+"/"+how, func(t *testing.T) {
				release := make(chan struct{})
				opts := append([]client.Option{client.WithRecvTimeout(30 * time.Second)}, mode.opts...)
				c := peer(t, echoAfter(release), opts...)
				defer close(release)

				var ctx context.Context
				var cancel context.CancelFunc
				if how == "deadline" {
					ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
				} else {
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(100*time.Millisecond, cancel)
				}
				defer cancel()
				done := make(chan error, 1)
				start := time.Now()
				go func() { _, err := c.Ping(ctx); done <- err }()
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					c.Close()
					<-done
					t.Fatal("Ping still waiting 10 s after its context ended")
				}
				if err == nil || !errors.Is(err, ctx.Err()) {
					t.Fatalf("Ping: %v; want an error matching %v", err, ctx.Err())
				}
				t.Logf("a 100 ms context ended the Ping after %v", time.Since(start))

				// Usable afterwards: the peer answers both pings now.
				release <- struct{}{}
				if _, err := c.Ping(testCtx(t)); err != nil {
					t.Fatalf("second Ping: %v", err)
				}
				v, err := c.Recv()
				if _, ok := v.Heartbeat(); err != nil || !ok {
					t.Fatalf("the first Ping's late reply: %v, %v; want a Heartbeat", v.Message(), err)
				}
				if c.Sent() != 2 || c.Received() != 2 {
					t.Errorf("sent %d, received %d; want 2 and 2", c.Sent(), c.Received())
				}
			})
		}
	}
}

// A context that is already done fails at once and sends nothing.
func TestPingDoneContext(t *testing.T) {
	c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ping: %v, want context.Canceled", err)
	}
	if c.Sent() != 0 || c.Buffered() != 0 {
		t.Errorf("sent %d, buffered %d after a cancelled Ping", c.Sent(), c.Buffered())
	}
}

// A receive timeout shorter than the context still ends the wait, with a
// timeout error that is not the context's.
func TestPingRecvTimeout(t *testing.T) {
	for _, mode := range ioModes {
		t.Run(mode.name, func(t *testing.T) {
			opts := append([]client.Option{client.WithRecvTimeout(50 * time.Millisecond)}, mode.opts...)
			c := peer(t, func(nc net.Conn) { io.Copy(io.Discard, nc) }, opts...)
			ctx := testCtx(t)
			_, err := c.Ping(ctx)
			if !errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil {
				t.Fatalf("Ping: %v; want a receive timeout", err)
			}
		})
	}
}

// sendFrames makes a script that writes frames, then echoes.
func sendFrames(frames []byte) func(net.Conn) {
	return func(nc net.Conn) {
		nc.Write(frames)
		io.Copy(nc, nc)
	}
}

// TestPingKeepsEarlierFrames: frames that arrive before the Ping's reply are
// returned by the next Recv calls, in order, in every I/O mode, also when
// they are more than the read buffer holds.
func TestPingKeepsEarlierFrames(t *testing.T) {
	for _, mode := range ioModes {
		for _, n := range []int{3, 500} {
			t.Run(mode.name+"/"+itoa(n), func(t *testing.T) {
				var frames []byte
				for i := 1; i <= n; i++ {
					frames = wire.AppendCancelAck(frames, uint64(i))
				}
				opts := append([]client.Option{client.WithRecvTimeout(10 * time.Second), client.WithReadBufferSize(4096)}, mode.opts...)
				c := peer(t, sendFrames(frames), opts...)
				// Wait until the frames are there, so that they come first.
				deadline := time.Now().Add(10 * time.Second)
				for c.Unread() == 0 && time.Now().Before(deadline) {
					if _, err := c.Poll(); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := c.Ping(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				for i := 1; i <= n; i++ {
					v, err := c.Recv()
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					if a, ok := v.CancelAck(); !ok || a.ID() != uint64(i) {
						t.Fatalf("frame %d: %v", i, v.Message())
					}
				}
				if c.Unread() != 0 || c.Received() != int64(n)+1 || c.BytesRead() != int64(n+1)*wire.FrameLen {
					t.Errorf("unread %d, received %d, bytes %d; want 0, %d, %d", c.Unread(), c.Received(), c.BytesRead(), n+1, (n+1)*wire.FrameLen)
				}
				// Still in step: the next Ping and Recv work.
				if _, err := c.Ping(testCtx(t)); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// The frames before an end of stream or a bad frame met by Ping are still
// returned, then the same final error.
func TestPingFinalErrors(t *testing.T) {
	good := wire.AppendCancelAck(wire.AppendCancelAck(nil, 1), 2)
	bad := wire.AppendOrder(append([]byte{}, good...), &wire.Order{ID: 3})
	bad[2*wire.FrameLen+wire.LengthPrefixSize+32] = 7
	tests := []struct {
		name   string
		script func(net.Conn)
		want   error
	}{
		// The peer reads the heartbeat before it closes: closing with
		// unread data would reset the connection instead.
		{"end of stream", func(nc net.Conn) { nc.Write(good); readFrame(nc) }, io.EOF},
		{"end inside a frame", func(nc net.Conn) { nc.Write(append(append([]byte{}, good...), 52, 0)); readFrame(nc) }, io.ErrUnexpectedEOF},
		{"bad frame", func(nc net.Conn) { nc.Write(bad); io.Copy(io.Discard, nc) }, wire.ErrSide},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := peer(t, tt.script, client.WithRecvTimeout(10*time.Second))
			if _, err := c.Ping(testCtx(t)); !errors.Is(err, tt.want) {
				t.Fatalf("Ping: %v, want %v", err, tt.want)
			}
			for i := uint64(1); i <= 2; i++ {
				v, err := c.Recv()
				if a, ok := v.CancelAck(); err != nil || !ok || a.ID() != i {
					t.Fatalf("frame %d: %v, %v", i, v.Message(), err)
				}
			}
			_, err := c.Recv()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Recv: %v, want %v", err, tt.want)
			}
			var fe *wire.FrameError
			if errors.As(err, &fe) && fe.Offset != 2*wire.FrameLen {
				t.Errorf("bad frame at offset %d, want %d", fe.Offset, 2*wire.FrameLen)
			}
			if _, err := c.Ping(testCtx(t)); !errors.Is(err, tt.want) {
				t.Fatalf("Ping after the end: %v, want %v", err, tt.want)
			}
		})
	}
}

func readFrame(nc net.Conn) {
	io.ReadFull(nc, make([]byte, wire.FrameLen))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Ping allocates nothing in any I/O mode, with a context that has a
// deadline and can be cancelled.
func TestPingDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	addr := startEcho(t)
	for _, mode := range ioModes {
		t.Run(mode.name, func(t *testing.T) {
			c := dial(t, addr, append([]client.Option{client.WithRecvTimeout(10 * time.Second)}, mode.opts...)...)
			ctx := testCtx(t)
			var perr error
			if allocs := testing.AllocsPerRun(200, func() {
				if _, err := c.Ping(ctx); err != nil {
					perr = err
				}
			}); allocs != 0 {
				t.Errorf("%v allocations per Ping, want 0", allocs)
			}
			if perr != nil {
				t.Fatal(perr)
			}
		})
	}
}
