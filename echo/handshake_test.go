package echo

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// startTLSServer starts a TLS server with a self-signed certificate and
// returns it with a client configuration that trusts it.
func startTLSServer(t *testing.T, opts ...Option) (*testServer, *tls.Config) {
	t.Helper()
	cert, pool := testutil.SelfSigned(t)
	opts = append([]Option{WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}})}, opts...)
	return startServer(t, opts...), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// dialFrom connects to the server from the loopback address local (such as
// 127.0.0.2, to look like another peer).
func (ts *testServer) dialFrom(t *testing.T, local string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// TestTLSHandshakeHasItsOwnDeadline starts each client's handshake well
// after it connects: after the idle timeout, or, without one, after the
// one-second tick of the read deadline. The handshake must succeed and the
// client be served, with nothing logged.
func TestTLSHandshakeHasItsOwnDeadline(t *testing.T) {
	tests := []struct {
		idle, delay time.Duration
	}{
		{100 * time.Millisecond, 400 * time.Millisecond},
		{0, bufferTick + 300*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("idle timeout %v", tt.idle), func(t *testing.T) {
			t.Parallel()
			ts, cfg := startTLSServer(t, WithIdleTimeout(tt.idle))
			raw := ts.dial(t)
			time.Sleep(tt.delay)
			c := tls.Client(raw, cfg)
			if err := c.Handshake(); err != nil {
				t.Fatalf("handshake %v after connecting: %v (log %q)", tt.delay, err, ts.log.Lines())
			}
			if err := pingPong(c, 1, make([]byte, 2*wire.FrameLen)); err != nil {
				t.Fatalf("ping after a late handshake: %v (log %q)", err, ts.log.Lines())
			}
			if lines := ts.log.Lines(); len(lines) != 0 {
				t.Errorf("log: %q, want nothing", lines)
			}
			if st := ts.Stats(); st.Timeouts != 0 || st.HandshakeFailures != 0 || st.Messages != 1 {
				t.Errorf("stats %+v, want 1 message, no timeout, no failed handshake", st)
			}
		})
	}
}

// TestTLSRepliesAfterAQuietPeriod pings a TLS connection, waits longer
// than the write timeout, and pings again: a write deadline left over from
// the first batch must not fail the second (crypto/tls would keep that
// error for good).
func TestTLSRepliesAfterAQuietPeriod(t *testing.T) {
	const wt = 100 * time.Millisecond
	ts, cfg := startTLSServer(t, WithWriteTimeout(wt), WithIdleTimeout(0))
	c := tls.Client(ts.dial(t), cfg)
	buf := make([]byte, 2*wire.FrameLen)
	for i := range 3 {
		if err := pingPong(c, uint64(i), buf); err != nil {
			t.Fatalf("ping %d: %v (log %q)", i, err, ts.log.Lines())
		}
		time.Sleep(3 * wt)
	}
	if lines := ts.log.Lines(); len(lines) != 0 {
		t.Errorf("log: %q, want nothing", lines)
	}
}

// TestTLSHandshakeTimeout leaves a connection silent: it is closed after
// the handshake timeout, counted and logged, while a client that completes
// its handshake is served.
func TestTLSHandshakeTimeout(t *testing.T) {
	const hs = 100 * time.Millisecond
	ts, cfg := startTLSServer(t, WithHandshakeTimeout(hs), WithIdleTimeout(0))
	start := time.Now() // the server's timer starts at accept, after this
	silent := ts.dial(t)
	good := tls.Client(ts.dial(t), cfg)
	if err := pingPong(good, 1, make([]byte, 2*wire.FrameLen)); err != nil {
		t.Fatal(err)
	}
	if n, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("silent client: read %d bytes, %v; want EOF", n, err)
	}
	if d := time.Since(start); d < hs {
		t.Errorf("silent client dropped after %v, before the handshake timeout %v", d, hs)
	}
	want := fmt.Sprintf("echo: %s: no TLS handshake within 100ms; closing", silent.LocalAddr())
	waitFor(t, "the log line", func() bool { return len(ts.log.Lines()) == 1 })
	if lines := ts.log.Lines(); lines[0] != want {
		t.Errorf("log: got %q, want %q", lines, want)
	}
	waitFor(t, "the silent connection to end", func() bool { return ts.Stats().Active == 1 })
	if st := ts.Stats(); st.HandshakeFailures != 1 {
		t.Errorf("HandshakeFailures %d, want 1", st.HandshakeFailures)
	}
}

var summaryRE = regexp.MustCompile(`^echo: (.+): (\d+) more failed TLS handshakes? not logged \(latest: (.+)\)$`)

// failHandshakes makes n plain TCP clients from the loopback address local
// send a frame to a TLS server, which fails their handshakes.
func failHandshakes(t *testing.T, ts *testServer, local string, n int) {
	t.Helper()
	frame := wire.AppendHeartbeat(nil, 1)
	for range n {
		c := ts.dialFrom(t, local)
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, c) // until the server closes
		c.Close()
	}
}

// logCounts returns, for each peer address in the handshake log lines, the
// failures the lines account for: one for a line about one failure, N for
// a line summing up N.
func logCounts(t *testing.T, lines []string) map[string]int {
	t.Helper()
	counts := make(map[string]int)
	for _, line := range lines {
		if m := summaryRE.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			counts[m[1]] += n
			continue
		}
		rest, ok := strings.CutPrefix(line, "echo: ")
		addr, fault, _ := strings.Cut(rest, ": ")
		host, _, err := net.SplitHostPort(addr)
		if !ok || err != nil || !strings.Contains(fault, "a client without TLS?") || !strings.HasSuffix(fault, "; closing") {
			t.Errorf("unexpected log line %q", line)
			continue
		}
		counts[host]++
	}
	return counts
}

// TestHandshakeFailuresAreRateLimited fails many handshakes from two peer
// addresses within the log's interval: each address gets one line at once
// and one summing up the rest at shutdown, and the lines account for every
// failure.
func TestHandshakeFailuresAreRateLimited(t *testing.T) {
	ts, _ := startTLSServer(t)
	failHandshakes(t, ts, "127.0.0.1", 30)
	failHandshakes(t, ts, "127.0.0.2", 5)
	waitFor(t, "35 failed handshakes", func() bool { return ts.Stats().HandshakeFailures == 35 })
	if lines := ts.log.Lines(); len(lines) != 2 {
		t.Errorf("log before shutdown: %d lines, want one per peer address:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := ts.log.Lines()
	if len(lines) != 4 {
		t.Errorf("log after shutdown: %d lines, want two per peer address:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if got := logCounts(t, lines); got["127.0.0.1"] != 30 || got["127.0.0.2"] != 5 || len(got) != 2 {
		t.Errorf("the log accounts for %v failed handshakes, want 30 from 127.0.0.1 and 5 from 127.0.0.2:\n%s", got, strings.Join(lines, "\n"))
	}
}

// TestHandshakeFailureSummaryIsPeriodic checks that the count of failures
// not logged is logged when the interval ends, not only at shutdown.
func TestHandshakeFailureSummaryIsPeriodic(t *testing.T) {
	const every = 200 * time.Millisecond
	ts, _ := startTLSServer(t, withHandshakeLogInterval(every))
	start := time.Now()
	failHandshakes(t, ts, "127.0.0.1", 10)
	waitFor(t, "a summary line", func() bool { return len(ts.log.Lines()) == 2 })
	if d := time.Since(start); d < every {
		t.Errorf("summary after %v, before the interval of %v ended", d, every)
	}
	if got := logCounts(t, ts.log.Lines()); got["127.0.0.1"] != 10 {
		t.Errorf("the log accounts for %v failed handshakes, want 10 from 127.0.0.1: %q", got, ts.log.Lines())
	}
}

// TestHandshakeLogBoundsPeers feeds the handshake log failures from more
// addresses than it keeps apart: it remembers a bounded number of them, and
// its lines still account for every failure.
func TestHandshakeLogBoundsPeers(t *testing.T) {
	lb := &testutil.Buffer{}
	s := NewServer(WithLogger(newTestLogger(lb)))
	const n = 2 * handshakeLogPeers
	for i := range n {
		ip := net.IPv4(10, byte(i>>16), byte(i>>8), byte(i))
		for range 3 {
			s.hsLog.add(s, &net.TCPAddr{IP: ip, Port: 1000 + i}, "TLS handshake failed: x (a client without TLS?)")
		}
	}
	s.hsLog.mu.Lock()
	peers := len(s.hsLog.peers)
	s.hsLog.mu.Unlock()
	if peers > handshakeLogPeers+1 {
		t.Errorf("the log keeps %d addresses, want at most %d", peers, handshakeLogPeers+1)
	}
	s.hsLog.flush(s)
	lines := lb.Lines()
	total := 0
	for _, c := range logCounts(t, lines) {
		total += c
	}
	if total != 3*n {
		t.Errorf("the log accounts for %d failures, want %d", total, 3*n)
	}
	if len(lines) > 2*(handshakeLogPeers+1) {
		t.Errorf("%d log lines for %d failures from %d addresses, want at most %d", len(lines), 3*n, n, 2*(handshakeLogPeers+1))
	}
}

// TestTinyTimeouts sets timeouts of a few nanoseconds: they are raised to
// MinTimeout, and a connection is served (and dropped as idle) without a
// division by zero.
func TestTinyTimeouts(t *testing.T) {
	for _, d := range []time.Duration{1, 2, 3, MinTimeout - 1} {
		s := NewServer(WithIdleTimeout(d), WithWriteTimeout(d), WithHandshakeTimeout(d))
		if s.idleTimeout != MinTimeout || s.writeTimeout != MinTimeout || s.handshakeTimeout != MinTimeout {
			t.Errorf("%v: timeouts %v, %v, %v, want %v", d, s.idleTimeout, s.writeTimeout, s.handshakeTimeout, MinTimeout)
		}
	}
	ts := startServer(t, WithIdleTimeout(1), WithWriteTimeout(1))
	c := ts.dial(t)
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %d bytes, %v; want EOF (dropped as idle)", n, err)
	}
	waitFor(t, "the idle timeout", func() bool { return ts.Stats().Timeouts == 1 })
}

// TestTicks checks the period of the read deadline and the number of silent
// periods that make a client idle.
func TestTicks(t *testing.T) {
	tests := []struct {
		idle      time.Duration
		tick      time.Duration
		idleTicks int
	}{
		{0, bufferTick, 0},
		{1, minTick, 4},
		{MinTimeout, minTick, 4},
		{100 * time.Millisecond, 25 * time.Millisecond, 4},
		{DefaultIdleTimeout, time.Second, 60},
		{time.Duration(1<<63 - 1), time.Second, int((1<<63-1)/time.Second) + 1},
	}
	for _, tt := range tests {
		tick, idleTicks := NewServer(WithIdleTimeout(tt.idle)).ticks()
		if tick != tt.tick || idleTicks != tt.idleTicks {
			t.Errorf("idle timeout %v: tick %v, %d ticks; want %v, %d", tt.idle, tick, idleTicks, tt.tick, tt.idleTicks)
		}
	}
}

// stuckConn is a connection whose reads fail at once with a deadline
// error (sticky, like crypto/tls after a deadline in a handshake) or, if
// empty is set, return nothing and no error.
type stuckConn struct {
	net.Conn
	empty bool
	reads atomic.Int64
}

func (c *stuckConn) Read([]byte) (int, error) {
	if c.reads.Add(1) > 1_000_000 {
		panic("the serve loop spins")
	}
	if c.empty {
		return 0, nil
	}
	return 0, os.ErrDeadlineExceeded
}
func (c *stuckConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *stuckConn) Close() error                     { return nil }
func (c *stuckConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9), Port: 9} }
func (c *stuckConn) SetDeadline(time.Time) error      { return nil }
func (c *stuckConn) SetReadDeadline(time.Time) error  { return nil }
func (c *stuckConn) SetWriteDeadline(time.Time) error { return nil }

// TestServeDoesNotSpinOnAStuckReader serves connections whose reads keep
// failing with a deadline error before the deadline, or keep returning
// nothing: each must be closed after a bounded number of reads.
func TestServeDoesNotSpinOnAStuckReader(t *testing.T) {
	for _, empty := range []bool{false, true} {
		for _, idle := range []time.Duration{0, DefaultIdleTimeout} {
			t.Run(fmt.Sprintf("empty reads %v, idle timeout %v", empty, idle), func(t *testing.T) {
				lb := &testutil.Buffer{}
				s := NewServer(WithLogger(newTestLogger(lb)), WithIdleTimeout(idle))
				nc := &stuckConn{empty: empty}
				x, _ := sock.Open(nc, IOPoller)
				c := &conn{srv: s, nc: nc, io: x}
				s.mu.Lock()
				s.conns[c] = struct{}{}
				s.wg.Add(1)
				s.mu.Unlock()
				done := make(chan struct{})
				go func() {
					defer close(done)
					c.serve()
				}()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("serve still running after %d reads", nc.reads.Load())
				}
				if r := nc.reads.Load(); r > maxEmptyReads {
					t.Errorf("%d reads before closing, want at most %d", r, maxEmptyReads)
				}
				if lines := lb.Lines(); len(lines) != 1 || !strings.HasPrefix(lines[0], "echo: 127.0.0.9:9: ") || !strings.HasSuffix(lines[0], "; closing") {
					t.Errorf("log: %q, want one line about 127.0.0.9:9 closing", lines)
				}
				if st := s.Stats(); st.Active != 0 || st.Timeouts != 0 {
					t.Errorf("stats %+v, want no connection left and no timeout", st)
				}
			})
		}
	}
}

// TestShutdownEndsHandshakes shuts a TLS server down while a client holds
// a handshake open: the shutdown must end it at once, without counting or
// logging a failure.
func TestShutdownEndsHandshakes(t *testing.T) {
	ts, _ := startTLSServer(t)
	silent := ts.dial(t)
	if _, err := silent.Write([]byte{0x16, 0x03, 0x01}); err != nil { // half a record header
		t.Fatal(err)
	}
	waitFor(t, "the connection to be served", func() bool { return ts.Stats().Active == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %v", err, time.Since(start))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with a handshake in progress", d)
	}
	if st := ts.Stats(); st.HandshakeFailures != 0 || st.Active != 0 {
		t.Errorf("stats %+v, want no failed handshake and no connection left", st)
	}
	if lines := ts.log.Lines(); len(lines) != 0 {
		t.Errorf("log: %q, want nothing", lines)
	}
}
