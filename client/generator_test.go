package client_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
)

// TestGeneratorSection: every run says how its generator ran; a rate-mode
// run adds the send lag of each measured message, a closed-loop run has
// none to give.
func TestGeneratorSection(t *testing.T) {
	addr := startEcho(t)
	closed, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Count: 200, WarmupCount: 10})
	if err != nil {
		t.Fatal(err)
	}
	g := closed.Generator
	if g == nil || g.IOMode != "poller" || g.GOMAXPROCS != runtime.GOMAXPROCS(0) || g.ClockReadNs <= 0 || g.SendLag != nil || g.GCCycles < 0 {
		t.Fatalf("closed loop: generator %+v", g)
	}
	paced, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Rate: 2000, Duration: 300 * time.Millisecond, WarmupCount: 20,
		Options: []client.Option{client.WithIOMode(client.IOBusyPoll)}})
	if err != nil {
		t.Fatal(err)
	}
	g = paced.Generator
	if g == nil || g.SendLag == nil {
		t.Fatalf("rate mode: generator %+v, want a send lag", g)
	}
	if g.SendLag.Count != paced.Sent || g.SendLag.P50 > g.SendLag.P99 || g.SendLag.P99 > g.SendLag.Max {
		t.Errorf("send lag %+v for %d measured sends", *g.SendLag, paced.Sent)
	}
	if want := "busy-poll"; g.IOMode != want && runtime.GOOS != "windows" {
		t.Errorf("io mode %q, want %q", g.IOMode, want)
	}
}

// TestRateModeBlocking runs the rate-limited driver on a blocking socket,
// the default for a lone connection to another process: its polls between
// scheduled sends must neither wait on the blocking socket nor fail on a
// signal-interrupted read.
func TestRateModeBlocking(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("blocking I/O is Linux-only")
	}
	addr := startEcho(t)
	run, err := client.Run(testCtx(t), client.LoadConfig{Command: "ping", Addr: addr, Rate: 2000, Duration: 500 * time.Millisecond, WarmupCount: 20,
		Options: []client.Option{client.WithIOMode(client.IOBlocking)}})
	if err != nil || run.Errors != 0 {
		t.Fatalf("err %v, %d errors: %q", err, run.Errors, run.ErrorSamples)
	}
	if g := run.Generator; g == nil || g.IOMode != "blocking" || g.SendLag == nil || g.SendLag.Count != run.Sent {
		t.Errorf("generator %+v for %d sends", run.Generator, run.Sent)
	}
}
