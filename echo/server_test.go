package echo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

func TestEchoEveryKind(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	frames := mixedFrames(12)
	got := make([]byte, wire.FrameLen)
	for off := 0; off < len(frames); off += wire.FrameLen {
		f := frames[off : off+wire.FrameLen]
		if _, err := c.Write(f); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f) {
			t.Errorf("kind %v: got % x, want % x", wire.Kind(f[wire.LengthPrefixSize]), got, f)
		}
	}
	// The same frames again, split across writes at odd places.
	all := make([]byte, len(frames))
	errc := make(chan error, 1)
	go func() {
		var err error
		for off := 0; off < len(frames) && err == nil; off += 37 {
			_, err = c.Write(frames[off:min(off+37, len(frames))])
			time.Sleep(time.Millisecond)
		}
		errc <- err
	}()
	if _, err := io.ReadFull(c, all); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, frames) {
		t.Errorf("split writes: replies differ from requests")
	}
	if lines := ts.log.Lines(); len(lines) != 0 {
		t.Errorf("unexpected log lines: %q", lines)
	}
}

func TestExchange(t *testing.T) {
	ts := startServer(t, WithReply(wire.ReplyExchange))
	c := ts.dial(t)
	trade := wire.AppendTrade(nil, &wire.Trade{MakerID: 1, TakerID: 2, Price: 3, Quantity: 4, Timestamp: 5})
	heartbeat := wire.AppendHeartbeat(nil, 77)
	heartbeat[wire.LengthPrefixSize+5] = 9 // padding is kept
	ack := wire.AppendOrderAck(nil, 5, 6)
	cancelAck := wire.AppendCancelAck(nil, 8)
	var req []byte
	req = wire.AppendOrder(req, &wire.Order{ID: 42, Price: 100, Quantity: 5, Side: wire.Sell})
	req = wire.AppendCancelOrder(req, 43)
	req = append(req, heartbeat...)
	req = append(req, trade...)
	req = append(req, ack...)
	req = append(req, cancelAck...)

	before := uint64(time.Now().UnixNano())
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(req))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	after := uint64(time.Now().UnixNano())

	v, n, err := wire.ParseFrame(got)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := v.OrderAck(); !ok || a.ID() != 42 || a.Timestamp() < before || a.Timestamp() > after {
		t.Errorf("reply to Order: got %v %+v, want OrderAck{ID: 42, Timestamp in [%d, %d]}", v.Kind(), v.Message(), before, after)
	}
	v, _, err = wire.ParseFrame(got[n:])
	if err != nil {
		t.Fatal(err)
	}
	if want := wire.AppendCancelAck(nil, 43); !bytes.Equal(got[n:2*n], want) {
		t.Errorf("reply to CancelOrder: got %v %+v, want CancelAck{ID: 43}", v.Kind(), v.Message())
	}
	if rest := req[2*n:]; !bytes.Equal(got[2*n:], rest) {
		t.Errorf("Heartbeat, Trade, OrderAck, CancelAck: got % x, want them unchanged % x", got[2*n:], rest)
	}
}

// countingListener counts the Write calls made on the connections it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, writes: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func TestOneWritePerBatch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	s := serveOn(t, cl)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	const frames = 1000
	req := mixedFrames(frames)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(req))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, req) {
		t.Fatal("replies differ from requests")
	}
	// 52,000 bytes arrive in a handful of reads, each answered by one write.
	if w := cl.writes.Load(); w > 20 {
		t.Errorf("%d writes for %d frames sent at once, want at most 20", w, frames)
	}
	// The replies are counted once the write returns, which may be after
	// the client has read them.
	waitFor(t, "the replies to be counted", func() bool { return s.Stats().Replies == frames })
	st := s.Stats()
	if st.Messages != frames || st.Replies != frames || st.BytesIn != int64(len(req)) || st.BytesOut != int64(len(req)) {
		t.Errorf("stats %+v, want %d messages and replies, %d bytes each way", st, frames, len(req))
	}
	t.Logf("%d frames answered with %d writes", frames, cl.writes.Load())
}

// serveOn serves ln with a new server until the test ends, and checks that
// Serve then returns ErrServerClosed.
func serveOn(t *testing.T, ln net.Listener, opts ...Option) *Server {
	t.Helper()
	s := NewServer(append([]Option{WithLogger(nil)}, opts...)...)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s
}

// pinger does ping-pong on its own connection until stopped, and records the
// first error.
type pinger struct {
	stop   chan struct{}
	done   chan struct{}
	rounds int
	err    error
}

func startPinger(t *testing.T, ts *testServer) *pinger {
	c := ts.dial(t)
	p := &pinger{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 2*wire.FrameLen)
		// At least one round trip, however soon finish is called: the
		// other connection must be shown to work, not merely to exist.
		for {
			if p.err = pingPong(c, uint64(p.rounds), buf); p.err != nil {
				return
			}
			p.rounds++
			select {
			case <-p.stop:
				return
			default:
			}
		}
	}()
	return p
}

func (p *pinger) finish(t *testing.T) {
	t.Helper()
	close(p.stop)
	<-p.done
	if p.err != nil || p.rounds == 0 {
		t.Errorf("the other connection: %d round trips, error %v", p.rounds, p.err)
	}
}

func TestBadFrameClosesOnlyThatConnection(t *testing.T) {
	valid := mixedFrames(3)
	frame := func(f func(p []byte)) []byte {
		b := wire.AppendOrder(nil, &wire.Order{ID: 9, Price: 1, Quantity: 1})
		f(b)
		return b
	}
	tests := []struct {
		name    string
		before  int    // valid frames answered in an earlier batch
		bad     []byte // sent after the valid frames, followed by a valid frame
		trunc   bool   // the client half-closes after bad instead
		wantLog string // after "echo: PEER: "
	}{
		{"bad tag", 0, frame(func(p []byte) { p[4] = 9 }), false,
			"wire: frame at byte 156: field tag: invalid value 9 (invalid tag for enum); closing"},
		{"bad side", 0, frame(func(p []byte) { p[4+32] = 7 }), false,
			"wire: frame at byte 156: field side: invalid value 7 (invalid side); closing"},
		{"bad side in a later batch", 2, frame(func(p []byte) { p[4+32] = 7 }), false,
			"wire: frame at byte 260: field side: invalid value 7 (invalid side); closing"},
		{"length 47", 0, frame(func(p []byte) { p[0] = 47 }), false,
			"wire: frame at byte 156: field length: invalid value 47 (payload length is not 48); closing"},
		{"length 0", 0, frame(func(p []byte) { p[0] = 0 }), false,
			"wire: frame at byte 156: field length: invalid value 0 (zero length prefix); closing"},
		{"prefix 0xffffffff", 0, []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}, false,
			"wire: frame at byte 156: field length: invalid value 4294967295 (length prefix exceeds MaxMessageSize); closing"},
		{"truncated frame, then close", 0, frame(func([]byte) {})[:30], true,
			"connection closed inside the frame at byte 156 (30 of 52 bytes received)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t)
			other := startPinger(t, ts)
			c := ts.dial(t)
			if tt.before > 0 {
				if _, err := c.Write(valid[:tt.before*wire.FrameLen]); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, tt.before*wire.FrameLen)); err != nil {
					t.Fatal(err)
				}
			}
			req := append(append([]byte(nil), valid...), tt.bad...)
			if !tt.trunc {
				req = append(req, valid[:wire.FrameLen]...)
			}
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			if tt.trunc {
				c.CloseWrite()
			}
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("reading until EOF: %v", err)
			}
			c.Close()
			if !bytes.Equal(got, valid) {
				t.Errorf("got %d bytes before EOF, want the %d bytes of the 3 valid frames", len(got), len(valid))
			}
			waitFor(t, "the connection to close", func() bool { return ts.Stats().Active == 1 })
			other.finish(t)
			want := fmt.Sprintf("echo: %s: %s", c.LocalAddr(), tt.wantLog)
			if lines := ts.log.Lines(); len(lines) != 1 || lines[0] != want {
				t.Errorf("log: got %q, want one line %q", lines, want)
			}
			if st := ts.Stats(); st.BadFrames != 1 {
				t.Errorf("BadFrames = %d, want 1", st.BadFrames)
			}
		})
	}
}

func TestThousandConnections(t *testing.T) {
	const conns, rounds = 1000, 20
	raiseOpenFiles(t, 2*conns+100)
	ts := startServer(t, WithReadBufferSize(4096))
	cs := make([]net.Conn, conns)
	for i := range cs {
		cs[i] = ts.dial(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, c := range cs {
		wg.Go(func() {
			buf := make([]byte, 2*wire.FrameLen)
			for r := range rounds {
				if err := pingPong(c, uint64(i*rounds+r), buf); err != nil {
					errs <- fmt.Errorf("connection %d, round %d: %w", i, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := ts.Stats()
	if st.Active != conns || st.Connections != conns || st.Messages != conns*rounds {
		t.Errorf("stats %+v, want %d connections active, %d messages", st, conns, conns*rounds)
	}
	for _, c := range cs {
		c.Close()
	}
	waitFor(t, "every connection to close", func() bool { return ts.Stats().Active == 0 })
}

func TestIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	ts := startServer(t, WithIdleTimeout(idle))
	silent := ts.dial(t)
	busy := ts.dial(t)
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		buf := make([]byte, 2*wire.FrameLen)
		for i := range 10 { // 300 ms, three times the timeout
			if err := pingPong(busy, uint64(i), buf); err != nil {
				errc <- err
				return
			}
			time.Sleep(idle * 3 / 10)
		}
		errc <- nil
	}()
	if n, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("silent client: read %d bytes, %v; want EOF", n, err)
	}
	// Never before the idle timeout; the upper bound leaves a loaded
	// machine (2 CPUs, -race) a second of scheduling slack, which still
	// tells a dropped client from one kept forever.
	if d, most := time.Since(start), idle+time.Second; d < idle || d > most {
		t.Errorf("silent client dropped after %v, want between %v and %v", d, idle, most)
	}
	if err := <-errc; err != nil {
		t.Errorf("busy client: %v", err)
	}
	want := fmt.Sprintf("echo: %s: idle for 100ms; closing", silent.LocalAddr())
	if lines := ts.log.Lines(); len(lines) != 1 || lines[0] != want {
		t.Errorf("log: got %q, want %q", lines, want)
	}
	if st := ts.Stats(); st.Timeouts != 1 || st.Active != 1 {
		t.Errorf("Timeouts %d, Active %d, want 1 and 1", st.Timeouts, st.Active)
	}
}

func TestSlowReaderIsDropped(t *testing.T) {
	const wt = 200 * time.Millisecond
	ts := startServer(t, WithWriteTimeout(wt), WithIdleTimeout(0))
	c := ts.dial(t)
	c.SetReadBuffer(4096)
	var sent atomic.Int64
	done := make(chan error, 1)
	go func() {
		frames := mixedFrames(1000)
		for {
			n, err := c.Write(frames)
			sent.Add(int64(n))
			if err != nil {
				done <- err
				return
			}
		}
	}()
	waitFor(t, "the write timeout", func() bool { return ts.Stats().Timeouts == 1 })
	select {
	case err := <-done:
		t.Logf("client write failed after %d bytes: %v", sent.Load(), err)
	case <-time.After(5 * time.Second):
		t.Fatalf("the flooding client was not disconnected")
	}
	waitFor(t, "the connection to close", func() bool { return ts.Stats().Active == 0 })
	st := ts.Stats()
	// The server holds at most one buffer of requests it has not answered.
	if unanswered := st.BytesIn - st.BytesOut; unanswered > DefaultReadBufferSize {
		t.Errorf("%d bytes read but not answered, want at most %d", unanswered, DefaultReadBufferSize)
	}
	if lines := ts.log.Lines(); len(lines) != 1 || !strings.Contains(lines[0], "client stopped reading") || !strings.Contains(lines[0], c.LocalAddr().String()) {
		t.Errorf("log: got %q, want one line about %s not reading", lines, c.LocalAddr())
	}
	t.Logf("stats %+v", st)
}

func TestMaxConns(t *testing.T) {
	ts := startServer(t, WithMaxConns(2))
	buf := make([]byte, 2*wire.FrameLen)
	a, b := ts.dial(t), ts.dial(t)
	for _, c := range []net.Conn{a, b} {
		if err := pingPong(c, 1, buf); err != nil {
			t.Fatal(err)
		}
	}
	extra := ts.dial(t)
	if n, err := extra.Read(buf); err == nil {
		t.Fatalf("third connection: read %d bytes, want EOF", n)
	}
	if err := pingPong(b, 2, buf); err != nil {
		t.Errorf("second connection after the refusal: %v", err)
	}
	want := fmt.Sprintf("echo: %s: refused: limit of 2 connections reached", extra.LocalAddr())
	if lines := ts.log.Lines(); len(lines) != 1 || lines[0] != want {
		t.Errorf("log: got %q, want %q", lines, want)
	}
	a.Close()
	waitFor(t, "the first connection to close", func() bool { return ts.Stats().Active == 1 })
	if err := pingPong(ts.dial(t), 3, buf); err != nil {
		t.Errorf("new connection after one closed: %v", err)
	}
	if st := ts.Stats(); st.Refused != 1 || st.Connections != 3 {
		t.Errorf("Refused %d, Connections %d, want 1 and 3", st.Refused, st.Connections)
	}
}

// TestMaxConnsInstantReconnect checks that a client reconnecting the
// moment its previous connection closed is served, not refused: the old
// connection's goroutine may not have seen the close yet when the new one
// is accepted.
func TestMaxConnsInstantReconnect(t *testing.T) {
	ts := startServer(t, WithMaxConns(1))
	buf := make([]byte, 2*wire.FrameLen)
	for i := range 30 {
		c := ts.dial(t)
		if err := pingPong(c, uint64(i), buf); err != nil {
			t.Fatalf("connection %d: %v (stats %+v)", i, err, ts.Stats())
		}
		c.Close()
	}
	if st := ts.Stats(); st.Refused != 0 {
		t.Errorf("Refused = %d, want 0", st.Refused)
	}
}

func TestRefusalsAreLoggedOncePerSecond(t *testing.T) {
	ts := startServer(t, WithMaxConns(1))
	buf := make([]byte, 2*wire.FrameLen)
	if err := pingPong(ts.dial(t), 1, buf); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := ts.dial(t).Read(buf); err == nil {
			t.Fatal("a connection past the limit was served")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := ts.log.Lines()
	if len(lines) != 2 || !strings.Contains(lines[0], ": refused: limit of 1 connections") || !strings.HasPrefix(lines[1], "echo: refused 4 connections (latest ") {
		t.Errorf("log: got %q, want one line for the first refusal and one summing up the other 4", lines)
	}
	if st := ts.Stats(); st.Refused != 5 {
		t.Errorf("Refused = %d, want 5", st.Refused)
	}
}

func TestShutdownIsGraceful(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(WithLogger(nil))
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	ts := &testServer{Server: s, addr: ln.Addr().String()}
	pingers := make([]*pinger, 10)
	for i := range pingers {
		pingers[i] = startPinger(t, ts)
	}
	waitFor(t, "every client to get a reply", func() bool { return s.Stats().Messages >= 10*10 })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with 10 busy connections, want well under 1s", d)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	for _, p := range pingers {
		<-p.done // each client sees its connection end
		if p.err == nil || errors.Is(p.err, errMismatch) {
			t.Errorf("client after Shutdown: %d rounds, error %v; want an end of stream", p.rounds, p.err)
		}
	}
	if st := s.Stats(); st.Active != 0 {
		t.Errorf("Active = %d after Shutdown", st.Active)
	}
	goleak.VerifyNone(t)
}

func TestShutdownForcesCloseWhenContextEnds(t *testing.T) {
	ts := startServer(t, WithWriteTimeout(0), WithIdleTimeout(0))
	c := ts.dial(t)
	c.SetReadBuffer(4096)
	go func() { // flood without reading, until the server closes
		frames := mixedFrames(1000)
		for {
			if _, err := c.Write(frames); err != nil {
				return
			}
		}
	}()
	// Wait until the server is stuck writing: it has stopped reading.
	var last int64 = -1
	waitFor(t, "the server to block on a write", func() bool {
		time.Sleep(50 * time.Millisecond)
		in := ts.Stats().BytesIn
		stuck := in == last && in > 0
		last = in
		return stuck
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v, want about 100ms", d)
	}
	if st := ts.Stats(); st.Active != 0 {
		t.Errorf("Active = %d after Shutdown", st.Active)
	}
}

func TestClose(t *testing.T) {
	ts := startServer(t)
	p := startPinger(t, ts)
	waitFor(t, "a round trip", func() bool { return ts.Stats().Messages > 0 })
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if p.err == nil {
		t.Error("client still served after Close")
	}
}

func TestServeAfterShutdown(t *testing.T) {
	s := NewServer(WithLogger(nil))
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v, want ErrServerClosed", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Serve left the listener open")
	}
	if err := s.ListenAndServe("127.0.0.1:0"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ListenAndServe after Shutdown: %v, want ErrServerClosed", err)
	}
}

// flakyListener fails Accept with the given errors, then accepts normally.
type flakyListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: err}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

func TestAcceptBacksOffOnTemporaryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lb := &testutil.Buffer{}
	fl := &flakyListener{Listener: ln, errs: []error{syscall.EMFILE, syscall.EMFILE, syscall.ENFILE}}
	s := NewServer(WithLogger(newTestLogger(lb)))
	served := make(chan error, 1)
	go func() { served <- s.Serve(fl) }()
	ts := &testServer{Server: s, addr: ln.Addr().String()}
	if err := pingPong(ts.dial(t), 1, make([]byte, 2*wire.FrameLen)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	lines := lb.Lines()
	if len(lines) != 3 || !strings.Contains(lines[0], "too many open files; retrying in 5ms") || !strings.Contains(lines[2], "retrying in 20ms") {
		t.Errorf("log: got %q, want three retries: 5ms, 10ms, 20ms", lines)
	}
}

func TestServeReturnsPermanentAcceptError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: ln, errs: []error{syscall.EINVAL}}
	s := NewServer(WithLogger(nil))
	if err := s.Serve(fl); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Serve: %v, want the accept error", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Serve left the listener open")
	}
}

func TestParseReply(t *testing.T) {
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		got, err := wire.ParseReply(r.String())
		if err != nil || got != r {
			t.Errorf("wire.ParseReply(%q) = %v, %v; want %v", r.String(), got, err, r)
		}
	}
	if _, err := wire.ParseReply("pong"); err == nil {
		t.Error(`wire.ParseReply("pong"): no error`)
	}
}
