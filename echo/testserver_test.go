package echo

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTestLogger(w io.Writer) *log.Logger { return log.New(w, "", 0) }

// testServer is a server on a loopback port, shut down when the test ends.
type testServer struct {
	*Server
	addr string
	log  *testutil.Buffer
}

func startServer(tb testing.TB, opts ...Option) *testServer {
	tb.Helper()
	lb := &testutil.Buffer{}
	opts = append([]Option{WithLogger(newTestLogger(lb))}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, addr, err := Start(ctx, "127.0.0.1:0", opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
	})
	return &testServer{Server: s, addr: addr.String(), log: lb}
}

// dial connects to the server; the connection is closed when the test ends
// and every read and write on it fails after 10 s.
func (ts *testServer) dial(tb testing.TB) *net.TCPConn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// waitFor polls cond until it holds or 5 s have passed.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// pingPong sends one heartbeat and checks that it comes back unchanged.
func pingPong(c net.Conn, ts uint64, buf []byte) error {
	out := wire.AppendHeartbeat(buf[:0], ts)
	if _, err := c.Write(out); err != nil {
		return err
	}
	in := buf[wire.FrameLen : 2*wire.FrameLen]
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return errMismatch
	}
	return nil
}

var errMismatch = &mismatchError{}

type mismatchError struct{}

func (*mismatchError) Error() string { return "reply differs from request" }

// mixedFrames returns n valid frames of every kind, with non-zero padding in
// some of them (the server must echo those bytes too).
func mixedFrames(n int) []byte {
	b := make([]byte, 0, n*wire.FrameLen)
	for i := range n {
		id := uint64(i + 1)
		switch i % 6 {
		case 0:
			b = wire.AppendHeartbeat(b, id*1000)
		case 1:
			b = wire.AppendOrder(b, &wire.Order{ID: id, Price: 5_000_000_000_000, Quantity: 100, Side: wire.Side(i / 6 % 2)})
		case 2:
			b = wire.AppendOrderAck(b, id, id*7)
		case 3:
			b = wire.AppendTrade(b, &wire.Trade{MakerID: id, TakerID: id + 1, Price: 3, Quantity: 4, Timestamp: 5})
		case 4:
			b = wire.AppendCancelOrder(b, id)
		case 5:
			b = wire.AppendCancelAck(b, id)
		}
		if i%4 == 0 {
			f := b[len(b)-wire.FrameLen:]
			f[wire.LengthPrefixSize+3] = byte(i) // padding after the tag
		}
	}
	return b
}
