package client_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

var everyType = []wire.Message{
	wire.Heartbeat{Timestamp: 72623859790382856},
	wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Buy},
	wire.Order{ID: ^uint64(0), Quantity: 1, Side: wire.Sell},
	wire.OrderAck{ID: 42, Timestamp: 123456789},
	wire.Trade{MakerID: 7, TakerID: 8, Price: 9, Quantity: 10, Timestamp: 11},
	wire.CancelOrder{ID: 99},
	wire.CancelAck{ID: 100},
}

func TestEveryMessageTypeEchoed(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr, client.WithRecvTimeout(5*time.Second))
	for _, m := range everyType {
		if err := c.SendFlush(m); err != nil {
			t.Fatal(err)
		}
		v, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Message(); got != m {
			t.Errorf("echoed %#v, want %#v", got, m)
		}
	}
	// Buffered: all at once, one flush.
	for _, m := range everyType {
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if c.Sender.Buffered() != len(everyType)*wire.FrameLen {
		t.Fatalf("buffered %d bytes before Flush", c.Sender.Buffered())
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, m := range everyType {
		v, err := c.Recv()
		if err != nil || v.Message() != m {
			t.Fatalf("message %d: %v, %v", i, v.Message(), err)
		}
	}
}

func TestExchangeReplies(t *testing.T) {
	addr := startEcho(t, echo.WithReply(wire.ReplyExchange))
	c := dial(t, addr)
	c.Send(wire.Order{ID: 5, Price: 1, Quantity: 1})
	c.Send(wire.CancelOrder{ID: 6})
	c.SendFlush(wire.Trade{MakerID: 1})
	v, _ := c.Recv()
	if a, ok := v.OrderAck(); !ok || a.ID() != 5 || a.Timestamp() == 0 {
		t.Errorf("Order answered with %v", v.Message())
	}
	v, _ = c.Recv()
	if a, ok := v.CancelAck(); !ok || a.ID() != 6 {
		t.Errorf("CancelOrder answered with %v", v.Message())
	}
	v, err := c.Recv()
	if err != nil || v.Message() != (wire.Trade{MakerID: 1}) {
		t.Errorf("Trade answered with %v, %v", v.Message(), err)
	}
}

func TestPing(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr)
	for i := 0; i < 100; i++ {
		rtt, err := c.Ping(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if rtt <= 0 || rtt > 5*time.Second {
			t.Fatalf("rtt %v", rtt)
		}
	}
}

func TestBusyPollPing(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr, client.WithIOMode(client.IOBusyPoll), client.WithRecvTimeout(5*time.Second))
	for i := 0; i < 50; i++ {
		if _, err := c.Ping(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// scriptedPeer serves a scripted peer over a real loopback connection, to
// a client with a receive timeout of 5 s.
func scriptedPeer(t *testing.T, script func(net.Conn)) *client.Conn {
	t.Helper()
	return peer(t, script, client.WithRecvTimeout(5*time.Second))
}

func TestRecvErrors(t *testing.T) {
	good := wire.AppendCancelAck(nil, 1)
	badSide := wire.AppendOrder(nil, &wire.Order{ID: 1})
	badSide[4+32] = 9
	tests := []struct {
		name    string
		stream  []byte
		wantN   int
		wantErr error
	}{
		{"clean close", append(append([]byte{}, good...), good...), 2, io.EOF},
		{"close inside a frame", append(append([]byte{}, good...), good[:10]...), 1, io.ErrUnexpectedEOF},
		{"bad side", append(append([]byte{}, good...), badSide...), 1, wire.ErrSide},
		{"huge prefix", append(append([]byte{}, good...), 0xff, 0xff, 0xff, 0xff), 1, wire.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := scriptedPeer(t, func(nc net.Conn) {
				// One byte at a time, to exercise partial frames.
				for i := range tt.stream {
					nc.Write(tt.stream[i : i+1])
				}
			})
			n := 0
			var err error
			for {
				if _, err = c.Recv(); err != nil {
					break
				}
				n++
			}
			if n != tt.wantN || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %d frames then %v; want %d then %v", n, err, tt.wantN, tt.wantErr)
			}
			var fe *wire.FrameError
			if errors.As(err, &fe) && fe.Offset != wire.FrameLen {
				t.Errorf("error offset %d, want %d", fe.Offset, wire.FrameLen)
			}
			if _, err2 := c.Recv(); !errors.Is(err2, tt.wantErr) {
				t.Errorf("second Recv: %v, want the same error", err2)
			}
		})
	}
}

func TestRecvTimeout(t *testing.T) {
	release := make(chan struct{})
	c := scriptedPeer(t, func(nc net.Conn) { <-release })
	defer close(release)
	c2 := client.NewConn(c.NetConn(), client.WithRecvTimeout(50*time.Millisecond))
	start := time.Now()
	_, err := c2.Recv()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("timed out after %v", d)
	}
}

// TestSplit sends and receives on two goroutines at once (run it with -race).
func TestSplit(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr, client.WithRecvTimeout(10*time.Second))
	s, r := c.Split()
	const n = 20000
	errc := make(chan error, 1)
	go func() {
		for i := uint64(0); i < n; i++ {
			if err := s.Send(wire.CancelOrder{ID: i}); err != nil {
				errc <- err
				return
			}
		}
		errc <- s.Flush()
	}()
	for i := uint64(0); i < n; i++ {
		v, err := r.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if co, ok := v.CancelOrder(); !ok || co.ID() != i {
			t.Fatalf("message %d: got %v", i, v.Message())
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if s.Sent() != n || r.Received() != n {
		t.Fatalf("sent %d, received %d", s.Sent(), r.Received())
	}
}

func TestSendAndRecvDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	addr := startEcho(t)
	c := dial(t, addr, client.WithRecvTimeout(5*time.Second))
	o := wire.Order{ID: 1, Price: 2, Quantity: 3}
	var sink uint64
	allocs := testing.AllocsPerRun(500, func() {
		for i := 0; i < 8; i++ {
			o.ID++
			c.Send(o)
		}
		c.Flush()
		for i := 0; i < 8; i++ {
			v, err := c.Recv()
			if err != nil {
				t.Fatal(err)
			}
			sink += v.Field(8)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch of 8 round trips, want 0", allocs)
	}
	ctx := testCtx(t)
	if allocs := testing.AllocsPerRun(200, func() { c.Ping(ctx) }); allocs != 0 {
		t.Errorf("Ping: %v allocations, want 0", allocs)
	}
}

// countingConn counts Write calls.
type countingConn struct {
	net.Conn
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) { c.writes++; return c.Conn.Write(p) }

func TestBatchIsOneWrite(t *testing.T) {
	addr := startEcho(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{Conn: nc}
	c := client.NewConn(cc, client.WithRecvTimeout(5*time.Second))
	defer c.Close()
	for i := uint64(0); i < 1000; i++ {
		c.Send(wire.CancelOrder{ID: i})
	}
	c.Flush()
	// 1000 frames of 52 bytes in a 64 KiB buffer: the buffer fills once.
	if cc.writes != 1 {
		t.Errorf("%d writes for 1000 buffered frames, want 1", cc.writes)
	}
	for i := 0; i < 1000; i++ {
		if _, err := c.Recv(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBufferSizes: 4096-byte buffers (the Rust crate's) work and cap a
// write at 78 frames; sizes below one frame are raised to one frame.
func TestBufferSizes(t *testing.T) {
	addr := startEcho(t)
	tests := []struct {
		size, wantWrites int
	}{
		{4096, 13},                   // 1000 frames, 78 per write
		{client.MinBufferSize, 1000}, // one frame per write
		{1, 1000},                    // raised to MinBufferSize
		{64 << 10, 1},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.size), func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			cc := &countingConn{Conn: nc}
			c := client.NewConn(cc, client.WithRecvTimeout(10*time.Second),
				client.WithReadBufferSize(tt.size), client.WithWriteBufferSize(tt.size))
			defer c.Close()
			for i := uint64(0); i < 1000; i++ {
				if err := c.Send(wire.CancelOrder{ID: i}); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if cc.writes != tt.wantWrites {
				t.Errorf("%d writes for 1000 frames, want %d", cc.writes, tt.wantWrites)
			}
			for i := uint64(0); i < 1000; i++ {
				v, err := c.Recv()
				if co, ok := v.CancelOrder(); err != nil || !ok || co.ID() != i {
					t.Fatalf("frame %d: %v, %v", i, v.Message(), err)
				}
			}
		})
	}
}
