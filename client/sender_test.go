package client_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// TestCloseWrite: a split sender sends, half-closes, and the receiver still
// reads every reply, then io.EOF, over plain TCP, TLS and a blocking socket.
func TestCloseWrite(t *testing.T) {
	cert, pool := testutil.SelfSigned(t)
	tests := []struct {
		name    string
		srvOpts []echo.Option
		opts    []client.Option
	}{
		{"tcp", nil, nil},
		{"tcp blocking", nil, []client.Option{client.WithIOMode(client.IOBlocking)}},
		{"tls", []echo.Option{echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}})},
			[]client.Option{client.WithTLS(&tls.Config{RootCAs: pool})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startEcho(t, tt.srvOpts...)
			c := dial(t, addr, append([]client.Option{client.WithRecvTimeout(10 * time.Second)}, tt.opts...)...)
			s, r := c.Split()
			const n = 3000 // more than one write buffer and than the socket holds at once
			errc := make(chan error, 1)
			go func() {
				for i := uint64(0); i < n; i++ {
					if err := s.Send(wire.CancelOrder{ID: i}); err != nil {
						errc <- err
						return
					}
				}
				// Buffered frames go out first, then the end of the stream.
				errc <- s.CloseWrite()
			}()
			for i := uint64(0); i < n; i++ {
				v, err := r.Recv()
				if err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				if co, ok := v.CancelOrder(); !ok || co.ID() != i {
					t.Fatalf("reply %d: %v", i, v.Message())
				}
			}
			if err := <-errc; err != nil {
				t.Fatalf("CloseWrite: %v", err)
			}
			if _, err := r.Recv(); err != io.EOF {
				t.Fatalf("after the last reply: %v, want io.EOF", err)
			}
			if err := s.Send(wire.CancelOrder{}); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Send after CloseWrite: %v, want net.ErrClosed", err)
			}
			if err := s.CloseWrite(); err != nil {
				t.Errorf("second CloseWrite: %v", err)
			}
		})
	}
}

// TestSendValidates: a message no peer could decode is refused by every
// way of sending, with the decoder's error; nothing is buffered or written,
// nothing panics, and the connection keeps working.
func TestSendValidates(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr, client.WithRecvTimeout(10*time.Second))
	if err := c.Send(wire.CancelOrder{ID: 1}); err != nil { // one good frame already buffered
		t.Fatal(err)
	}
	badFrame := wire.AppendOrder(nil, &wire.Order{ID: 2, Side: 9})
	var nilOrder *wire.Order
	tests := []struct {
		name string
		send func() error
		want error
	}{
		{"Send side 9", func() error { return c.Send(wire.Order{ID: 2, Side: 9}) }, wire.ErrSide},
		{"SendFlush side 9", func() error { return c.SendFlush(wire.Order{ID: 2, Side: 9}) }, wire.ErrSide},
		{"Send *Order side 2", func() error { return c.Send(&wire.Order{Side: 2}) }, wire.ErrSide},
		{"Send nil", func() error { return c.Send(nil) }, wire.ErrNotMessage},
		{"SendFlush nil", func() error { return c.SendFlush(nil) }, wire.ErrNotMessage},
		{"Send nil *Order", func() error { return c.Send(nilOrder) }, wire.ErrNotMessage},
		{"SendFrame side 9", func() error { return c.SendFrame(badFrame) }, wire.ErrSide},
		{"SendFrame short", func() error { return c.SendFrame(badFrame[:10]) }, wire.ErrLength},
		{"SendFrame two frames", func() error { return c.SendFrame(wire.AppendCancelAck(wire.AppendCancelAck(nil, 1), 2)) }, wire.ErrLength},
		{"Append side 9", func() error {
			return c.Append(func(b []byte) []byte { return wire.AppendOrder(b, &wire.Order{Side: 9}) })
		}, wire.ErrSide},
		{"Append nothing", func() error { return c.Append(func(b []byte) []byte { return b }) }, wire.ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send()
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var fe *wire.FrameError
			if errors.As(err, &fe) && fe.Offset != wire.FrameLen {
				t.Errorf("error at offset %d, want %d (where the frame would have gone)", fe.Offset, wire.FrameLen)
			}
			if c.Buffered() != wire.FrameLen || c.Sent() != 1 || c.BytesWritten() != 0 {
				t.Errorf("buffered %d, sent %d, written %d after a refused message", c.Buffered(), c.Sent(), c.BytesWritten())
			}
		})
	}
	// The connection is in step: the good frame and a new one come back.
	if err := c.SendFlush(wire.CancelOrder{ID: 3}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{1, 3} {
		v, err := c.Recv()
		if co, ok := v.CancelOrder(); err != nil || !ok || co.ID() != id {
			t.Fatalf("got %v, %v; want CancelOrder %d", v.Message(), err, id)
		}
	}
}

// TestBufferAPI: frames written in place with Reserve and Commit go out at
// Flush, and come back through Peek and Consume, counted like Send's and
// Recv's.
func TestBufferAPI(t *testing.T) {
	c := dial(t, startEcho(t), client.WithRecvTimeout(10*time.Second), client.WithWriteBufferSize(4*wire.FrameLen))
	if got := len(c.Reserve(10 * wire.FrameLen)); got != 4*wire.FrameLen {
		t.Fatalf("Reserve beyond the buffer: got %d bytes, want %d", got, 4*wire.FrameLen)
	}
	const n = 3
	buf := c.Reserve(n * wire.FrameLen)
	for i := range n {
		wire.PutFrame((*[wire.FrameLen]byte)(buf[i*wire.FrameLen:]), wire.KindCancelOrder, uint64(i), 0, 0, 0, 0)
	}
	c.Commit(n * wire.FrameLen)
	if c.Sent() != n || c.Buffered() != n*wire.FrameLen {
		t.Fatalf("after Commit: sent %d, buffered %d; want %d, %d", c.Sent(), c.Buffered(), n, n*wire.FrameLen)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); len(c.Peek()) < n*wire.FrameLen; {
		if _, err := c.Poll(); err != nil || time.Now().After(end) {
			t.Fatalf("%d bytes back, want %d: %v", len(c.Peek()), n*wire.FrameLen, err)
		}
	}
	got := c.Peek()
	for i := range n {
		v, _, err := wire.ParseFrame(got[i*wire.FrameLen:])
		if a, ok := v.CancelOrder(); err != nil || !ok || a.ID() != uint64(i) {
			t.Fatalf("frame %d: %v, %v", i, v.Message(), err)
		}
	}
	c.Consume(n * wire.FrameLen)
	if c.Received() != n || c.BytesRead() != n*wire.FrameLen || len(c.Peek()) != 0 {
		t.Fatalf("after Consume: received %d, read %d bytes, %d unread", c.Received(), c.BytesRead(), len(c.Peek()))
	}
}
