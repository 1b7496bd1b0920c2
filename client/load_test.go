package client_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

func TestPingCountsAddUp(t *testing.T) {
	addr := startEcho(t)
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Conns: 4, Count: 2003, WarmupCount: 100})
	if err != nil {
		t.Fatal(err)
	}
	if run.Sent != 2003 || run.Received != 2003 || run.Errors != 0 || run.RTT.TotalCount() != 2003 {
		t.Fatalf("sent %d received %d errors %d recorded %d; want 2003, 2003, 0, 2003", run.Sent, run.Received, run.Errors, run.RTT.TotalCount())
	}
	if run.WarmupSent != 100 || run.WarmupReceived != 100 {
		t.Errorf("warmup %d/%d, want 100/100", run.WarmupSent, run.WarmupReceived)
	}
	if len(run.PerConn) != 4 || run.PerConn[0].Sent+run.PerConn[3].Sent != 1001 {
		t.Errorf("per-connection counts %+v", run.PerConn)
	}
	if run.Elapsed <= 0 || run.RTT.Min() <= 0 {
		t.Errorf("elapsed %v, min rtt %d", run.Elapsed, run.RTT.Min())
	}
}

func TestFloodExchangeMix(t *testing.T) {
	addr := startEcho(t, echo.WithReply(wire.ReplyExchange))
	mix, err := client.ParseMix("order=90,cancel=10")
	if err != nil {
		t.Fatal(err)
	}
	run, err := client.Run(testCtx(t), client.LoadConfig{
		Command: "flood", Addr: addr, Conns: 2, Window: 64, Duration: 400 * time.Millisecond,
		Warmup: 100 * time.Millisecond, Mix: mix, Reply: wire.ReplyExchange,
	})
	if err != nil {
		t.Fatal(err)
	}
	if run.Received == 0 || run.Received != run.Sent || run.Errors != 0 {
		t.Fatalf("sent %d received %d errors %d %v", run.Sent, run.Received, run.Errors, run.ErrorSamples)
	}
	tags := map[string]int64{}
	for _, iv := range run.Intervals {
		tags[iv.Tag] += iv.Hist.TotalCount()
	}
	share := float64(tags["cancel"]) / float64(run.Received)
	if tags["order"]+tags["cancel"] != run.Received || share < 0.05 || share > 0.15 {
		t.Errorf("interval counts %v for %d received", tags, run.Received)
	}
}

func TestMismatchedRepliesAreErrors(t *testing.T) {
	addr := startEcho(t) // echoes orders instead of acknowledging them
	run, err := client.Run(testCtx(t), client.LoadConfig{
		Command: "flood", Addr: addr, Window: 8, Count: 100, Mix: client.MixOf(wire.KindOrder), Reply: wire.ReplyExchange,
	})
	if !errors.Is(err, client.ErrMismatch) || errors.Is(err, client.ErrPeer) {
		t.Fatalf("err %v, want ErrMismatch only", err)
	}
	if run.Errors != 100 || len(run.ErrorSamples) == 0 {
		t.Fatalf("errors %d, samples %v; want 100", run.Errors, run.ErrorSamples)
	}
	if !bytes.Contains([]byte(run.ErrorSamples[0]), []byte(`conn 0: reply to {"Order"`)) {
		t.Errorf("sample %q", run.ErrorSamples[0])
	}
}

// fakePeer is a scripted echo peer on loopback: act sees every frame and
// returns what to write back (nil to drop it) or stops the connection.
func fakePeer(t *testing.T, act func(i int, frame []byte) ([]byte, bool)) string {
	t.Helper()
	return startPeer(t, func(nc net.Conn, _ int) {
		buf := make([]byte, wire.FrameLen)
		for i := 0; ; i++ {
			nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := readFull(nc, buf); err != nil {
				return
			}
			out, ok := act(i, buf)
			if !ok {
				return
			}
			if out != nil {
				nc.Write(out)
			}
		}
	})
}

// startPeer listens on loopback and serves each connection, numbered from
// 0, with serve in a goroutine of its own; the cleanup closes the listener,
// then waits for every connection's serve to return. It returns the
// address.
func startPeer(t *testing.T, serve func(nc net.Conn, conn int)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for conn := 0; ; conn++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				serve(nc, conn)
			}()
		}
	}()
	return ln.Addr().String()
}

func readFull(nc net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := nc.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestRateModeCorrectsCoordinatedOmission: the peer stalls once for 200 ms.
// At 1000 msgs/s about 200 messages were due during the stall: the corrected
// histogram must show them, the uncorrected one only the single late reply.
func TestRateModeCorrectsCoordinatedOmission(t *testing.T) {
	const stall = 200 * time.Millisecond
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		if i == 300 {
			time.Sleep(stall)
		}
		return f, true
	})
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Rate: 1000, Duration: 800 * time.Millisecond, WarmupCount: 50})
	if err != nil {
		t.Fatal(err)
	}
	if run.Uncorrected == nil {
		t.Fatal("no uncorrected histogram in rate mode")
	}
	over := func(h interface{ ValueAtPercentile(float64) int64 }, p float64) time.Duration {
		return time.Duration(h.ValueAtPercentile(p))
	}
	// About 200 of ~800 corrected samples are delayed by 0..200 ms: p90 is
	// far above any normal loopback RTT; the uncorrected p90 is not.
	if c := over(run.RTT, 90); c < 50*time.Millisecond {
		t.Errorf("corrected p90 %v: the stall is missing", c)
	}
	if u := over(run.Uncorrected, 90); u > 20*time.Millisecond {
		t.Errorf("uncorrected p90 %v: the stall leaked into the uncorrected histogram", u)
	}
	if m := time.Duration(run.Uncorrected.Max()); m < stall {
		t.Errorf("uncorrected max %v: the stalled reply itself must still show", m)
	}
}

func TestLostReplyIsCounted(t *testing.T) {
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		if i == 10 {
			return nil, true // swallow one message
		}
		return f, true
	})
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: addr, Window: 4, Count: 50, Drain: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if run.Errors != 1 || run.Received != 49 {
		t.Fatalf("errors %d received %d (%v); want 1 lost of 50", run.Errors, run.Received, run.ErrorSamples)
	}
}

func TestDuplicateReplyIsCounted(t *testing.T) {
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		if i == 10 {
			return append(append([]byte{}, f...), f...), true
		}
		return f, true
	})
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: addr, Window: 4, Count: 50, Drain: 200 * time.Millisecond})
	if !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("err %v, want ErrMismatch", err)
	}
	if run.Errors != 1 || run.Received != 50 {
		t.Fatalf("errors %d received %d (%v); want 1 duplicate", run.Errors, run.Received, run.ErrorSamples)
	}
}

func TestPeerDiesMidRun(t *testing.T) {
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) { return f, i < 500 })
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Duration: 10 * time.Second})
	if !errors.Is(err, client.ErrPeer) {
		t.Fatalf("err %v, want ErrPeer", err)
	}
	if run == nil || run.Received != 500 {
		t.Fatalf("run %+v: the measurements before the failure are lost", run)
	}
	if run.RTT.TotalCount() != run.Received {
		t.Errorf("recorded %d of %d", run.RTT.TotalCount(), run.Received)
	}
}

func TestReconnectCarriesOn(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		if i == 0 {
			mu.Lock()
			conns++
			mu.Unlock()
		}
		return f, i < 200
	})
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 1000, WarmupCount: 0, Reconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if conns < 5 || run.Reconnects == 0 {
		t.Fatalf("%d connections, config %v", conns, run.Config)
	}
	if run.Received < 900 {
		t.Errorf("received %d", run.Received)
	}
}

func TestInterruptKeepsResults(t *testing.T) {
	addr := startEcho(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	run, err := client.Run(ctx, client.LoadConfig{Command: "flood", Addr: addr, Conns: 2, Window: 32, Duration: time.Minute})
	if !errors.Is(err, context.Canceled) || run == nil || !run.Interrupted {
		t.Fatalf("err %v, run %v", err, run)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if run.Received == 0 || run.RTT.TotalCount() != run.Received {
		t.Errorf("received %d, recorded %d", run.Received, run.RTT.TotalCount())
	}
}

func TestJSONHistogramRoundTrip(t *testing.T) {
	addr := startEcho(t)
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 500})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, run); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if back.RTT.TotalCount() != 500 || back.RTT.ValueAtPercentile(99) != run.RTT.ValueAtPercentile(99) {
		t.Fatalf("decoded %d values, p99 %d vs %d", back.RTT.TotalCount(), back.RTT.ValueAtPercentile(99), run.RTT.ValueAtPercentile(99))
	}
}

// TestFloodAllocatesNothingPerMessage compares the heap allocations of a
// run with the number of messages it carried.
func TestFloodAllocatesNothingPerMessage(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	addr := startEcho(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: addr, Window: 256, Count: 200_000})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocs := after.Mallocs - before.Mallocs
	if perMsg := float64(allocs) / float64(run.Received); perMsg > 0.01 {
		t.Errorf("%d allocations for %d messages (%.3f per message), want none per message", allocs, run.Received, perMsg)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []client.LoadConfig{
		{Addr: "127.0.0.1:1", Conns: 4, Rate: 2, Count: 1},
		{Addr: "127.0.0.1:1", Conns: -1, Count: 1},
		{Addr: "127.0.0.1:1"},
	} {
		if _, err := client.Run(testCtx(t), cfg); err == nil || errors.Is(err, client.ErrPeer) {
			t.Errorf("%+v: err %v, want a configuration error", cfg, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, err := client.Run(testCtx(t), client.LoadConfig{Addr: closed, Count: 1}); err == nil {
		t.Error("dialing a closed port succeeded")
	}
}

func TestParseMix(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"order=90,cancel=10", "order=90,cancel=10", ""},
		{"order", "order=100", ""},
		{"heartbeat=50, trade=50", "heartbeat=50,trade=50", ""},
		{"order=90", "", "add up to 90"},
		{"quote=100", "", "unknown message type"},
		{"order=x", "", "not a percentage"},
	}
	for _, tt := range tests {
		m, err := client.ParseMix(tt.in)
		if tt.err != "" {
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.err)) {
				t.Errorf("ParseMix(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || m.String() != tt.want {
			t.Errorf("ParseMix(%q) = %q, %v; want %q", tt.in, m.String(), err, tt.want)
		}
	}
}

// TestReconnectInRateMode: after a reconnect, the open-loop schedule (which
// polls the new socket) carries on without errors.
func TestReconnectInRateMode(t *testing.T) {
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) { return f, i < 300 })
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Rate: 2000, Duration: 600 * time.Millisecond, Reconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.Reconnects == 0 || run.Received < 800 {
		t.Fatalf("received %d, config %v, samples %v", run.Received, run.Config, run.ErrorSamples)
	}
}

// TestIsEchoAgreesWithEncoding: the in-place check accepts exactly the
// encoded message, and rejects it with any one field byte changed.
func TestEchoCheckAgreesWithEncoding(t *testing.T) {
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		out := append([]byte{}, f...)
		if i%7 == 3 {
			out[4+16+(i%4)*8] ^= 1 // corrupt a field after the sequence number
		}
		return out, true
	})
	mix, _ := client.ParseMix("heartbeat=20,order=20,order_ack=20,trade=20,cancel=10,cancel_ack=10")
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: addr, Window: 1, Count: 700, Mix: mix})
	if !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("err %v, want ErrMismatch", err)
	}
	// Corrupting the byte at 16, 24, 32 or 40 hits a real field unless the
	// variant is shorter (unused bytes are ignored, as rkyv does).
	var want int64
	for i := 0; i < 700; i++ {
		if i%7 == 3 {
			want++
		}
	}
	if run.Received != 700 || run.Errors == 0 || run.Errors >= want {
		t.Fatalf("errors %d, want between 1 and %d (samples %v)", run.Errors, want, run.ErrorSamples)
	}
}

// TestStalledPeer: a run against a peer that stops answering ends at its
// duration (then the drain deadline), at an interrupt, or at the reply
// timeout, keeping what it measured, with the network poller and with raw
// blocking reads.
func TestStalledPeer(t *testing.T) {
	stalled := func(i int, f []byte) ([]byte, bool) {
		if i >= 100 {
			return nil, true
		}
		return f, true
	}
	for _, mode := range []struct {
		name string
		opts []client.Option
	}{{"poller", nil}, {"blocking", []client.Option{client.WithIOMode(client.IOBlocking)}}} {
		t.Run(mode.name, func(t *testing.T) {
			start := time.Now()
			run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: fakePeer(t, stalled), Duration: 300 * time.Millisecond,
				Drain: 200 * time.Millisecond, Options: mode.opts})
			if err != nil || run.Received != 100 || run.Errors != 1 {
				t.Fatalf("duration run: err %v, received %d, errors %d", err, run.Received, run.Errors)
			}
			ctx, cancel := context.WithCancel(testCtx(t))
			time.AfterFunc(300*time.Millisecond, cancel)
			run, err = client.Run(ctx, client.LoadConfig{Command: "ping", Addr: fakePeer(t, stalled), Duration: time.Minute, Options: mode.opts})
			if !errors.Is(err, context.Canceled) || !run.Interrupted || run.Received != 100 {
				t.Fatalf("interrupted run: err %v, received %d", err, run.Received)
			}
			run, err = client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: fakePeer(t, stalled), Count: 1000,
				ReplyTimeout: 300 * time.Millisecond, Options: mode.opts})
			if !errors.Is(err, client.ErrStalled) || run.Received != 100 || run.Errors == 0 {
				t.Fatalf("count run: err %v, received %d, errors %d", err, run.Received, run.Errors)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestRateModeSlowPeerWindow: against a peer that serves 100 msgs/s, a
// --rate 1000 run falls behind in its warmup. The measured window is still
// the window: what was sent in it is measured, with latencies from the
// intended times from the window's start on.
func TestRateModeSlowPeerWindow(t *testing.T) {
	const service = 10 * time.Millisecond
	addr := fakePeer(t, func(i int, f []byte) ([]byte, bool) {
		time.Sleep(service)
		return f, true
	})
	const window = time.Second
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Rate: 1000, Duration: window, WarmupCount: 30})
	if err != nil {
		t.Fatalf("%v; errors %q", err, run.ErrorSamples)
	}
	// About window/service messages go out in the window.
	if want := int64(window / service / 2); run.Sent < want || run.RTT.TotalCount() < want {
		t.Errorf("measured %d sent, %d round trips in the window, want at least %d", run.Sent, run.RTT.TotalCount(), want)
	}
	if run.Elapsed < 9*window/10 {
		t.Errorf("window %v, want about %v", run.Elapsed, window)
	}
	// The last messages sent in the window were due near its start: their
	// corrected latency is most of the window, not the warmup's backlog.
	if max := time.Duration(run.RTT.Max()); max < window/2 || max > 2*window {
		t.Errorf("corrected max %v, want between %v and %v", max, window/2, 2*window)
	}
	// The warning says that the peer set the pace, not the generator.
	if w := report.GeneratorWarning(run, ""); !strings.Contains(w, "the peer set the pace") {
		t.Errorf("warning %q, want one that the peer set the pace", w)
	}
	t.Logf("sent %d, received %d in %v; corrected p50 %v, max %v; uncorrected p50 %v", run.Sent, run.Received, run.Elapsed,
		time.Duration(run.RTT.ValueAtQuantile(50)), time.Duration(run.RTT.Max()), time.Duration(run.Uncorrected.ValueAtQuantile(50)))
}
