package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// lateTradePeer acks every Order at once and sends a Trade naming it as
// taker tradeAfter later, as an exchange whose match comes after its ack.
func lateTradePeer(tradeAfter time.Duration) func(nc net.Conn, conn int) {
	return func(nc net.Conn, _ int) {
		var mu sync.Mutex // one writer at a time: the acks, and the Trades' timers
		var timers sync.WaitGroup
		defer timers.Wait()
		eachRead(nc, func(frames []byte) bool {
			for f := range slices.Chunk(frames, wire.FrameLen) {
				v, _, err := wire.ParseFrame(f)
				if err != nil {
					return false
				}
				o, ok := v.Order()
				if !ok {
					continue
				}
				mu.Lock()
				nc.Write(wire.AppendOrderAck(nil, o.ID(), 1))
				mu.Unlock()
				trade := wire.AppendTrade(nil, &wire.Trade{MakerID: 1 << 61, TakerID: o.ID(), Price: o.Price(), Quantity: o.Quantity(), Timestamp: 1})
				timers.Add(1)
				time.AfterFunc(tradeAfter, func() {
					defer timers.Done()
					mu.Lock()
					nc.Write(trade)
					mu.Unlock()
				})
			}
			return true
		})
	}
}

// eachRead reads nc until it fails or fn returns false, and calls fn with
// the whole frames of each read; the rest of a frame waits for the next.
func eachRead(nc net.Conn, fn func(frames []byte) bool) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		k, err := nc.Read(buf[n:])
		if err != nil {
			return
		}
		n += k
		whole := n - n%wire.FrameLen
		if !fn(buf[:whole]) {
			return
		}
		n = copy(buf, buf[whole:n])
	}
}

// pacedOrders is a rate-limited run of Orders on one connection, at rate
// msgs/s for d, against an exchange peer at addr.
func pacedOrders(addr string, rate float64, d time.Duration, reply wire.Reply) client.LoadConfig {
	mix, _ := client.ParseMix("order=100")
	return client.LoadConfig{Command: "ping", Addr: addr, Conns: 1, Window: 1, Rate: rate,
		Duration: d, Mix: mix, Reply: reply, Drain: time.Second}
}

// TestPacedRunReadsWhileWaiting: between two sends of a rate-limited run,
// with nothing in flight, what the peer sends of its own is read when it
// comes: a Trade 20 ms after its ack is timed at about 20 ms, not at the
// next send 100 ms later; Heartbeats every 50 ms are 50 ms apart, not a
// send interval; and a heartbeat timeout longer than their period does not
// fail a run whose sends are further apart than it.
func TestPacedRunReadsWhileWaiting(t *testing.T) {
	t.Run("fill", func(t *testing.T) {
		cfg := pacedOrders(startPeer(t, lateTradePeer(20*time.Millisecond)), 10, 1500*time.Millisecond, wire.ReplyExchange)
		run, err := client.Run(testCtx(t), cfg)
		if err != nil {
			t.Fatalf("%v (%v)", err, run.ErrorSamples)
		}
		if run.Fill == nil || run.Fill.TotalCount() < 5 {
			t.Fatalf("fills %v, want about 15", run.Fill)
		}
		if p50 := time.Duration(run.Fill.ValueAtPercentile(50)); p50 < 20*time.Millisecond || p50 > 70*time.Millisecond {
			t.Errorf("fill p50 %v, want about 20ms (the Trade's delay), not the 100ms between sends", p50)
		}
	})
	t.Run("heartbeats", func(t *testing.T) {
		addr := startEcho(t, echo.WithReply(wire.ReplyExchange), echo.WithHeartbeat(50*time.Millisecond))
		cfg := pacedOrders(addr, 2, 1500*time.Millisecond, wire.ReplyExchange)
		cfg.HeartbeatTimeout = 300 * time.Millisecond
		run, err := client.Run(testCtx(t), cfg)
		if err != nil {
			t.Fatalf("%v (%v)", err, run.ErrorSamples)
		}
		g := run.HeartbeatGap
		if g == nil || g.Count < 10 {
			t.Fatalf("heartbeat gaps %+v, want about 30", g)
		}
		if p50 := time.Duration(g.P50); p50 < 40*time.Millisecond || p50 > 80*time.Millisecond {
			t.Errorf("heartbeat gap p50 %v, want about 50ms, not the 500ms between sends", p50)
		}
	})
}

// TestPacedRunHeartbeatTimeoutOnTime: a peer without Heartbeats fails a
// run whose sends are a second apart at about the heartbeat timeout, not
// at the next send.
func TestPacedRunHeartbeatTimeoutOnTime(t *testing.T) {
	cfg := pacedOrders(startEcho(t, echo.WithReply(wire.ReplyExchange)), 1, 5*time.Second, wire.ReplyExchange)
	cfg.HeartbeatTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := client.Run(testCtx(t), cfg)
	if err == nil {
		t.Fatal("no error, want ErrHeartbeat")
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("failed after %v, want soon after 300ms (sends are 1s apart)", d)
	}
}

// TestPacedRunWindow: a rate-limited run's measured window is the window
// that ran, not its first send to its last reply, which a slow rate makes
// up to a send interval shorter: 4 msgs/s for 1 s is 4 msgs/s, and a run
// cancelled after 600 ms lasted about that long, whatever it received.
func TestPacedRunWindow(t *testing.T) {
	addr := startEcho(t, echo.WithReply(wire.ReplyExchange))
	t.Run("whole", func(t *testing.T) {
		run, err := client.Run(testCtx(t), pacedOrders(addr, 4, time.Second, wire.ReplyExchange))
		if err != nil {
			t.Fatalf("%v (%v)", err, run.ErrorSamples)
		}
		if run.Elapsed < 950*time.Millisecond || run.Elapsed > 1050*time.Millisecond || run.Sent != 4 {
			t.Errorf("window %v for %d sends, want 1s and 4 (achieved rate %.2f msgs/s)", run.Elapsed, run.Sent, run.AchievedRate())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(testCtx(t), 600*time.Millisecond)
		defer cancel()
		run, _ := client.Run(ctx, pacedOrders(addr, 2, 5*time.Second, wire.ReplyExchange))
		if run == nil || run.Elapsed < 550*time.Millisecond || run.Elapsed > 900*time.Millisecond {
			t.Fatalf("window %v, want about the 600ms the run lasted", run.Elapsed)
		}
	})
}

// TestFloodSlowPeerThroughput: a closed-loop window opens once the
// warmup's replies are in, so a peer that serves 1,000 msgs/s, flooded
// with 512 messages in flight (half a second of its work), measures 1,000
// msgs/s, not 1,000 × 1/1.5: the window's first half second answering the
// warmup, uncounted, while counting its time.
func TestFloodSlowPeerThroughput(t *testing.T) {
	addr := startEcho(t, echo.WithServiceTime(time.Millisecond))
	cfg := client.LoadConfig{Command: "flood", Addr: addr, Conns: 2, Window: 256, WarmupCount: 512,
		Duration: time.Second, Drain: 2 * time.Second}
	run, err := client.Run(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("%v (%v)", err, run.ErrorSamples)
	}
	if r := run.MsgsPerSec(); r < 900 || r > 1080 {
		t.Errorf("%.0f msgs/s (%d received in %v), want about 1000", r, run.Received, run.Elapsed)
	}
	if run.WarmupReceived != 512 {
		t.Errorf("%d warmup replies, want all 512 before the window", run.WarmupReceived)
	}
}

// dropPeer echoes every frame but the n-th of each connection, which it
// never answers.
func dropPeer(n int) func(nc net.Conn, conn int) {
	return func(nc net.Conn, _ int) {
		seen := 0
		eachRead(nc, func(frames []byte) bool {
			var out []byte
			for f := range slices.Chunk(frames, wire.FrameLen) {
				if seen++; seen != n {
					out = append(out, f...)
				}
			}
			_, err := nc.Write(out)
			return err == nil
		})
	}
}

// TestWarmupReplyNeverComes: a warmup message whose reply never comes holds
// the window back for at most a second without replies, as a peer that
// loses one is not slow: the run measures, and counts the reply lost.
func TestWarmupReplyNeverComes(t *testing.T) {
	cfg := client.LoadConfig{Command: "flood", Addr: startPeer(t, dropPeer(10)), Conns: 2, Window: 64, WarmupCount: 500,
		Duration: 500 * time.Millisecond, Drain: 300 * time.Millisecond, ReplyTimeout: 5 * time.Second}
	start := time.Now()
	run, err := client.Run(testCtx(t), cfg)
	took := time.Since(start)
	if run == nil || run.Received == 0 || errors.Is(err, client.ErrStalled) {
		t.Fatalf("err %v, run %+v: want a measured run", err, run)
	}
	if run.Errors != 2 {
		t.Errorf("%d errors, want the 2 replies never sent counted lost", run.Errors)
	}
	if took > 3500*time.Millisecond {
		t.Errorf("took %v, want about a second of warmup, the window and the drain", took)
	}
}

// TestPacedRunRareReplies: at a fixed rate slower than the reply timeout,
// with nothing in flight between sends and the peer's Heartbeats further
// apart than that timeout, no connection is a stalled peer: the timeout
// runs from each send.
func TestPacedRunRareReplies(t *testing.T) {
	addr := startEcho(t, echo.WithReply(wire.ReplyExchange), echo.WithHeartbeat(150*time.Millisecond))
	for _, mode := range []client.IOMode{client.IOPoller, client.IOBlocking} {
		cfg := pacedOrders(addr, 5, time.Second, wire.ReplyExchange)
		cfg.ReplyTimeout, cfg.Options = 50*time.Millisecond, []client.Option{client.WithIOMode(mode)}
		if run, err := client.Run(testCtx(t), cfg); err != nil {
			t.Errorf("%v: %v (%v)", mode, err, run.ErrorSamples)
		}
	}
}

// TestPacedCountWindow: a count at a fixed rate lasts count/rate: 10
// messages at 10 msgs/s are 10 msgs/s, not 10 over the 0.9 s to the last
// send.
func TestPacedCountWindow(t *testing.T) {
	cfg := pacedOrders(startEcho(t, echo.WithReply(wire.ReplyExchange)), 10, 0, wire.ReplyExchange)
	cfg.Count = 10
	run, err := client.Run(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("%v (%v)", err, run.ErrorSamples)
	}
	if r := run.AchievedRate(); r < 9.5 || r > 10.3 {
		t.Errorf("achieved %.2f msgs/s over %v, want 10", r, run.Elapsed)
	}
}

// TestReconnectInTheWarmup: a peer that dies in a warmup given only as a
// count, and never comes back: a connection reconnecting holds the window
// back no longer, so the window starts and its end bounds the reconnects;
// the run ends, where it used to wait for a warmup never finished.
func TestReconnectInTheWarmup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		ln.Close() // no one answers a reconnect
		if err != nil {
			return
		}
		buf := make([]byte, 100*wire.FrameLen)
		io.ReadFull(nc, buf) // 100 messages of the warmup, unanswered
		nc.Close()
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	cfg := client.LoadConfig{Command: "flood", Addr: ln.Addr().String(), Conns: 1, Window: 256, WarmupCount: 500,
		Duration: 500 * time.Millisecond, Drain: 300 * time.Millisecond, Reconnect: true}
	start := time.Now()
	client.Run(testCtx(t), cfg)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v, want the run to end soon after its 500ms window", took)
	}
}

// TestPacedRunOverTLS: over TLS, which cannot wait for readable bytes
// without reading them, a rate-limited run reads its replies and the
// peer's Heartbeats when they come, not at its next send: round trips of
// loopback, not of the send interval, and Heartbeat gaps of their period.
func TestPacedRunOverTLS(t *testing.T) {
	cert, pool := testutil.SelfSigned(t)
	addr := startEcho(t, echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}),
		echo.WithReply(wire.ReplyExchange), echo.WithHeartbeat(50*time.Millisecond))
	cfg := pacedOrders(addr, 4, time.Second, wire.ReplyExchange)
	cfg.Options = []client.Option{client.WithTLS(&tls.Config{RootCAs: pool})}
	cfg.HeartbeatTimeout, cfg.Window = 300*time.Millisecond, 16 // room in the window: the wait is the schedule's
	run, err := client.Run(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("%v (%v)", err, run.ErrorSamples)
	}
	if p50 := time.Duration(run.RTT.ValueAtPercentile(50)); p50 > 50*time.Millisecond {
		t.Errorf("rtt p50 %v, want a loopback round trip, not the 250ms between sends", p50)
	}
	if g := run.HeartbeatGap; g == nil || time.Duration(g.P50) < 40*time.Millisecond || time.Duration(g.P50) > 80*time.Millisecond {
		t.Errorf("heartbeat gaps %+v, want a p50 of about 50ms", g)
	}
	// Interrupted while waiting in a read for the next send: the window
	// ends at the interrupt, not when that read gives up (the interrupt
	// moves its deadline to the end of the drain).
	ctx, cancel := context.WithTimeout(testCtx(t), 600*time.Millisecond)
	defer cancel()
	cfg.Addr = startEcho(t, echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}), echo.WithReply(wire.ReplyExchange))
	cfg.Duration, cfg.HeartbeatTimeout, cfg.Rate = 10*time.Second, 0, 2
	run, _ = client.Run(ctx, cfg)
	if run == nil || run.Elapsed < 500*time.Millisecond || run.Elapsed > 700*time.Millisecond {
		t.Errorf("interrupted at 600ms: window %v, want about 600ms", run.Elapsed)
	}
}

// TestShortReplyTimeout: a reply timeout shorter than the deadlines' usual
// re-arming interval (100 ms) fails no healthy connection: the write
// deadline, the reply timeout from its last move, used to pass between two
// moves and fail every ping and flood with "the peer has not read".
func TestShortReplyTimeout(t *testing.T) {
	addr := startEcho(t)
	for _, cmd := range []string{"ping", "flood"} {
		cfg := client.LoadConfig{Command: cmd, Addr: addr, Conns: 2, Window: 16, Duration: 400 * time.Millisecond, ReplyTimeout: 50 * time.Millisecond}
		if cmd == "ping" {
			cfg.Window = 1
		}
		if run, err := client.Run(testCtx(t), cfg); err != nil {
			t.Errorf("%s: %v (%v)", cmd, err, run.ErrorSamples)
		}
	}
}

// TestWindowFromItsStart: a peer that dies in the warmup and is back half
// a second into the window: the window still runs from its start, the
// outage in it, not from the first measured send after the reconnect
// (which made 100 msgs/s read as 200).
func TestWindowFromItsStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		io.ReadFull(nc, make([]byte, wire.FrameLen)) // the warmup's first message, unanswered
		nc.Close()
		time.Sleep(700 * time.Millisecond) // back 500 ms into the window
		ln2, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		defer ln2.Close()
		ln2.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
		nc, err = ln2.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		io.Copy(nc, nc) // an echo
	}()
	t.Cleanup(func() { <-done })
	cfg := client.LoadConfig{Command: "ping", Addr: addr, Conns: 1, Window: 1, Rate: 100, Warmup: 200 * time.Millisecond,
		Duration: time.Second, Drain: 300 * time.Millisecond, Reconnect: true}
	run, _ := client.Run(testCtx(t), cfg)
	if run == nil || run.Reconnects == 0 {
		t.Fatalf("run %+v: want a reconnect", run)
	}
	if run.Elapsed < 900*time.Millisecond || run.Elapsed > 1100*time.Millisecond {
		t.Errorf("window %v (%.0f msgs/s), want the 1s it ran, the outage in it", run.Elapsed, run.MsgsPerSec())
	}
}
