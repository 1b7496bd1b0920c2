package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
)

// hangBound is how long past its planned end a run may take before a test
// calls it hung: generous, for a shared machine; a hang is minutes.
const hangBound = 3 * time.Second

// hold keeps a connection open without reading it.
func hold(net.Conn) {}

// timed runs cfg and fails the test if it takes longer than its planned
// length plus hangBound.
func timed(t *testing.T, ctx context.Context, cfg client.LoadConfig, planned time.Duration) (*runResult, error) {
	t.Helper()
	start := time.Now()
	run, err := client.Run(ctx, cfg)
	took := time.Since(start)
	if took > planned+hangBound {
		t.Errorf("the run took %v, planned %v", took.Round(time.Millisecond), planned)
	}
	if run == nil {
		t.Fatalf("no result with error %v", err)
	}
	return &runResult{run.Sent, run.Received, run.Errors, run.ErrorSamples, run.Interrupted, run.Reconnects}, err
}

type runResult struct {
	sent, received, errors int64
	samples                []string
	interrupted            bool
	reconnects             int64
}

// TestPeerThatNeverReads: a flood whose window is far larger than the
// socket buffers ends at its duration plus the drain, and at an interrupt,
// though every write blocks.
func TestPeerThatNeverReads(t *testing.T) {
	addr, _ := testutil.Listen(t, hold)
	cfg := client.LoadConfig{Command: "flood", Addr: addr, Conns: 2, Window: 1 << 20, Duration: 300 * time.Millisecond, Drain: 200 * time.Millisecond}
	res, err := timed(t, testCtx(t), cfg, cfg.Duration+cfg.Drain)
	if !errors.Is(err, client.ErrNothingMeasured) || res.received != 0 || res.errors == 0 {
		t.Fatalf("err %v, %+v; want nothing measured and lost messages", err, res)
	}

	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(200*time.Millisecond, cancel)
	cfg.Duration = time.Minute
	res, err = timed(t, ctx, cfg, 200*time.Millisecond)
	if !errors.Is(err, context.Canceled) || !res.interrupted {
		t.Fatalf("interrupted run: err %v, %+v", err, res)
	}
}

// TestPeerThatNeverAnswers: reads everything, answers nothing.
func TestPeerThatNeverAnswers(t *testing.T) {
	addr, _ := testutil.Listen(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	for _, cfg := range []client.LoadConfig{
		{Command: "ping", Addr: addr, Duration: 300 * time.Millisecond, Drain: 200 * time.Millisecond},
		{Command: "ping", Addr: addr, Duration: 300 * time.Millisecond, Drain: 200 * time.Millisecond, Rate: 100},
		{Command: "flood", Addr: addr, Window: 64, Duration: 300 * time.Millisecond, Drain: 200 * time.Millisecond},
	} {
		res, err := timed(t, testCtx(t), cfg, cfg.Duration+cfg.Drain)
		if !errors.Is(err, client.ErrNothingMeasured) || res.sent == 0 || res.errors != res.sent {
			t.Errorf("%s rate %v: err %v, %+v; want nothing measured, every message lost", cfg.Command, cfg.Rate, err, res)
		}
		if !strings.Contains(err.Error(), "no reply came back") {
			t.Errorf("err %q does not say why", err)
		}
	}
}

func TestDialFailureGivesAResult(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 10})
	var de *client.DialError
	if !errors.Is(err, client.ErrPeer) || !errors.As(err, &de) || de.Addr != addr {
		t.Fatalf("err %v, want ErrPeer and a DialError for %s", err, addr)
	}
	if run == nil || run.Sent != 0 || run.Received != 0 || len(run.ErrorSamples) != 1 || !strings.Contains(run.ErrorSamples[0], addr) {
		t.Fatalf("run %+v, want zero counts and the reason naming %s", run, addr)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err %q does not give the reason", err)
	}
}

// TestConnectTimeout: a peer whose accept queue is full, and one that
// never answers the TLS handshake, fail the run after ConnectTimeout.
func TestConnectTimeout(t *testing.T) {
	silent, _ := testutil.Listen(t, hold)
	_, pool := testutil.SelfSigned(t)
	cases := []struct {
		name, addr string
		opts       []client.Option
		want       string
	}{
		{"tls handshake never answered", silent, []client.Option{client.WithTLS(&tls.Config{RootCAs: pool})}, "the TLS handshake did not finish within the connect timeout (300ms)"},
	}
	if full := testutil.FullListener(t); full != "" {
		cases = append(cases, struct {
			name, addr string
			opts       []client.Option
			want       string
		}{"accept queue full", full, nil, "no answer within the connect timeout (300ms)"})
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			cfg := client.LoadConfig{Command: "ping", Addr: tt.addr, Conns: 3, Duration: time.Minute, ConnectTimeout: 300 * time.Millisecond, Options: tt.opts}
			res, err := timed(t, testCtx(t), cfg, cfg.ConnectTimeout)
			if !errors.Is(err, client.ErrPeer) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.addr) {
				t.Fatalf("err %v, want ErrPeer saying %q", err, tt.want)
			}
			if len(res.samples) != 1 {
				t.Errorf("error samples %q, want the reason", res.samples)
			}
		})
	}
}

func TestTLSMistakes(t *testing.T) {
	cert, pool := testutil.SelfSigned(t)
	addr := startEcho(t, echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	_, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 10})
	if err == nil || !strings.Contains(err.Error(), "if it speaks TLS, connect with TLS") || !errors.Is(err, client.ErrNeedsTLS) {
		t.Errorf("plaintext against TLS: err %v, want a hint at TLS", err)
	}
	_, other := testutil.SelfSigned(t)
	_, err = client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 10, Options: []client.Option{client.WithTLS(&tls.Config{RootCAs: other})}})
	if err == nil || !strings.Contains(err.Error(), "TLS handshake failed: failed to verify certificate") || strings.Contains(err.Error(), "tls: tls:") || !errors.Is(err, client.ErrCertificate) {
		t.Errorf("wrong CA: err %v", err)
	}
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 10, Options: []client.Option{client.WithTLS(&tls.Config{RootCAs: pool})}})
	if err != nil || run.Received != 10 {
		t.Errorf("right CA: err %v, received %d", err, run.Received)
	}
}

func TestForeignPeer(t *testing.T) {
	addr, _ := testutil.Listen(t, func(c net.Conn) {
		c.Read(make([]byte, 512))
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n400 Bad Request"))
	})
	for _, cmd := range []string{"ping", "flood"} {
		_, err := client.Run(testCtx(t), client.LoadConfig{Command: cmd, Addr: addr, Window: 16, Duration: 10 * time.Second})
		if !errors.Is(err, client.ErrForeignPeer) || !strings.Contains(err.Error(), `peer sent "HTTP/1.1 400 Bad Request...": not a gigadex-events peer`) {
			t.Errorf("%s: err %v", cmd, err)
		}
	}
}

// TestReconnectBacksOff: against a peer that accepts and closes at once,
// --reconnect redials a handful of times a second, not thousands.
func TestReconnectBacksOff(t *testing.T) {
	addr, accepted := testutil.Listen(t, func(c net.Conn) { c.Close() })
	const d = 1500 * time.Millisecond
	cfg := client.LoadConfig{Command: "ping", Addr: addr, Duration: d, Reconnect: true, Drain: 100 * time.Millisecond}
	res, err := timed(t, testCtx(t), cfg, d+cfg.Drain)
	if !errors.Is(err, client.ErrPeer) {
		t.Errorf("err %v, want ErrPeer", err)
	}
	// With BackoffMin 20ms doubling to BackoffMax 1s, half to all of each
	// step: between 6 and 8 connections in 1.5 s.
	n := accepted.Load()
	if n < 3 || n > 12 {
		t.Errorf("%d connections in %v (%d reconnects), want a handful", n, d, res.reconnects)
	}
	t.Logf("%d connections in %v", n, d)
}

// TestWarmupWhicheverFirst: a warmup of N messages or D, whichever comes
// first, in closed and open loop; the window comes after it.
func TestWarmupWhicheverFirst(t *testing.T) {
	addr := startEcho(t)
	tests := []struct {
		name       string
		cfg        client.LoadConfig
		warmupSent func(int64) bool
		elapsed    func(time.Duration) bool
	}{
		{"count first, closed loop", client.LoadConfig{Conns: 3, WarmupCount: 100, Warmup: time.Minute, Count: 300},
			func(n int64) bool { return n == 100 }, func(time.Duration) bool { return true }},
		{"time first, closed loop", client.LoadConfig{Conns: 2, WarmupCount: 1 << 40, Warmup: 200 * time.Millisecond, Count: 300},
			func(n int64) bool { return n > 0 && n < 1<<40 }, func(d time.Duration) bool { return d >= 200*time.Millisecond }},
		{"count first, open loop", client.LoadConfig{Conns: 2, Rate: 1000, WarmupCount: 100, Warmup: time.Minute, Duration: 200 * time.Millisecond},
			func(n int64) bool { return n == 100 }, func(d time.Duration) bool { return d == 100*time.Millisecond }},
		{"time first, open loop", client.LoadConfig{Rate: 1000, WarmupCount: 1000, Warmup: 150 * time.Millisecond, Duration: 200 * time.Millisecond},
			func(n int64) bool { return n == 150 }, func(d time.Duration) bool { return d == 150*time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Command, tt.cfg.Addr = "ping", addr
			run, err := client.Run(testCtx(t), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.warmupSent(run.WarmupSent) || !tt.elapsed(run.WarmupElapsed) {
				t.Errorf("warmup: %d messages, %v", run.WarmupSent, run.WarmupElapsed)
			}
			if run.Received == 0 || run.RTT.TotalCount() != run.Received || run.WarmupReceived != run.WarmupSent {
				t.Errorf("measured %d, recorded %d, warmup %d/%d", run.Received, run.RTT.TotalCount(), run.WarmupSent, run.WarmupReceived)
			}
		})
	}
}

// TestDurationOnlyHasNoCountLimit: with only a duration, the run measures
// for the whole window.
func TestDurationOnlyHasNoCountLimit(t *testing.T) {
	addr := startEcho(t)
	const d = 300 * time.Millisecond
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	if run.Elapsed < d*2/3 || run.Received == 0 {
		t.Errorf("measured %d round trips over %v, want a window of %v", run.Received, run.Elapsed, d)
	}
}

// TestCountWarmupSilentPeer checks that a warmup given only as a count
// against a peer that never answers ends after the warmup's first-reply
// bound, with an error naming the warmup, not after the reply timeout.
func TestCountWarmupSilentPeer(t *testing.T) {
	addr, _ := testutil.Listen(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	cfg := client.LoadConfig{Command: "ping", Addr: addr, WarmupCount: 100, Count: 10, ReplyTimeout: 20 * time.Second}
	start := time.Now()
	_, err := client.Run(testCtx(t), cfg)
	took := time.Since(start)
	if !errors.Is(err, client.ErrStalled) || !strings.Contains(err.Error(), "in the warmup") {
		t.Errorf("err %v, want ErrStalled naming the warmup", err)
	}
	if took > 10*time.Second {
		t.Errorf("took %v, want the warmup's bound (%v), far below the reply timeout %v", took, client.WarmupFirstReply, cfg.ReplyTimeout)
	}
}
