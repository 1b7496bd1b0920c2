package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/slowpeer"
)

// startPeer starts an echo peer on loopback, stopped at the test's end.
func startPeer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); cancel() })
	return addr.String()
}

func TestABOrder(t *testing.T) {
	var got []string
	for i := range 4 {
		for _, s := range abOrder(i) {
			got = append(got, abSides[s][:1])
		}
	}
	if s := strings.Join(got, ""); s != "bccbbccb" {
		t.Errorf("order %s, want bccbbccb (ABBA ABBA)", s)
	}
}

func TestABUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ab", "--addr", "127.0.0.1:1", "--", "ping"}, "need --baseline-addr and --addr"},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2"}, "want the measurement after --"},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--", "capacity"}, `"capacity": want ping or flood`},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--", "ping", "--addr=x"}, "ab sets --addr"},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--", "ping", "--json"}, "ab sets --addr"},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--rounds", "0", "--", "ping"}, `--rounds "0": must be from 1 to 100`},
		{[]string{"ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--max-regress", "p99=NaN%", "--", "ping"}, `--max-regress "p99=NaN%"`},
	}
	for _, tt := range tests {
		out, errs, code := runCLI(t, "", tt.args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errs, tt.want)
		}
	}
	// A peer that is not there: exit 1, naming the run that failed.
	_, errs, code := runCLI(t, "", "ab", "--baseline-addr", "127.0.0.1:1", "--addr", "127.0.0.1:2", "--", "ping", "--count", "10", "--connect-timeout", "200ms")
	if code != exitRunError || !strings.Contains(errs, "ab: ping --count 10 --connect-timeout 200ms against 127.0.0.1:1: exit 1") {
		t.Errorf("unreachable peer: exit %d, stderr %q", code, errs)
	}
}

// abPing is the measurement of the tests below: short closed-loop pings.
var abPing = []string{"--", "ping", "--count", "150", "--warmup", "20"}

// TestABFlagsSlowerPeer runs seven alternating rounds against a peer and
// one 30% slower (a service time of 13 ms against 10 ms: the peers' sleeps
// end up to a millisecond late, so shorter times would not keep the ratio):
// p50 regresses, exit 3. On an overloaded machine whole runs are slowed by
// other processes, which can hide the difference in a set of rounds (or
// inflate it), so the test allows three attempts.
func TestABFlagsSlowerPeer(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fourteen 0.4-second pings; nothing here runs concurrently")
	}
	base, slow := startSlowPeer(t, 10*time.Millisecond), startSlowPeer(t, 13*time.Millisecond)
	for attempt := 1; ; attempt++ {
		dir := t.TempDir()
		args := []string{"ab", "--baseline-addr", base, "--addr", slow, "--rounds", "7", "--out", dir, "--", "ping", "--count", "30", "--warmup", "3"}
		out, errs, code := runCLI(t, "", args...)
		if code == exitRegression {
			checkSlowerPeer(t, dir, out, errs)
			return
		}
		if code != exitOK || attempt == 3 {
			t.Fatalf("attempt %d: exit %d, want 3\nstdout:\n%s\nstderr:\n%s", attempt, code, out, errs)
		}
		t.Logf("attempt %d not flagged (p50 %s); trying again", attempt, tableRow(out, "p50"))
	}
}

// checkSlowerPeer checks the output of an ab run that flagged the slower
// peer, and the results it kept.
func checkSlowerPeer(t *testing.T, dir, out, errs string) {
	t.Helper()
	p50 := tableRow(out, "p50")
	if !strings.Contains(p50, "REGRESSED") || !strings.Contains(errs, "regression: p50 +") {
		t.Errorf("p50 row %q, stderr %q; want p50 REGRESSED", p50, errs)
	}
	var change float64
	cells := strings.Split(p50, " | ") // metric, baseline, current, change, ...
	if len(cells) < 4 {
		t.Fatalf("p50 row %q", p50)
	}
	if _, err := fmt.Sscanf(cells[3], "%f%%", &change); err != nil || change < 15 || change > 100 {
		t.Errorf("p50 change %q, want about +30%% (the peer's slowdown; more when other processes slow the slower peer's runs further)", cells[3])
	}
	if n := strings.Count(errs, "round "); n != 14 {
		t.Errorf("%d progress lines, want 14:\n%s", n, errs)
	}
	// The kept results compare the same way through report compare.
	cargs := []string{"report", "compare"}
	for i := 1; i <= 7; i++ {
		cargs = append(cargs, "--baseline", filepath.Join(dir, fmt.Sprintf("baseline-%d.json", i)))
	}
	cur, _ := filepath.Glob(filepath.Join(dir, "current-*.json"))
	if len(cur) != 7 {
		t.Fatalf("kept %d current results, want 7", len(cur))
	}
	cargs = append(cargs, cur...)
	if out2, errs2, code := runCLI(t, "", cargs...); code != exitRegression || tableRow(out2, "p50") != p50 {
		t.Errorf("report compare of the kept results: exit %d, p50 %q, want 3 and %q\n%s", code, tableRow(out2, "p50"), p50, errs2)
	}
}

// TestABSamePeersPass runs A/A (two identical peers, five alternating
// rounds, default limits) three times. By design a trial is flagged with a
// chance of at most alpha (5%), so the test allows one flagged trial of
// three: two would happen by chance with a probability below 1%.
func TestABSamePeersPass(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("thirty short pings; nothing here runs concurrently")
	}
	a, b := startPeer(t), startPeer(t)
	flagged := 0
	for trial := range 3 {
		args := append([]string{"ab", "--baseline-addr", a, "--addr", b, "--rounds", "5"}, abPing...)
		out, errs, code := runCLI(t, "", args...)
		switch code {
		case exitOK:
		case exitRegression:
			flagged++
			t.Logf("trial %d flagged:\n%s\n%s", trial, out, errs)
		default:
			t.Fatalf("trial %d: exit %d\n%s\n%s", trial, code, out, errs)
		}
		if strings.Contains(errs, "warning: with") {
			t.Errorf("five rounds warn that nothing can be flagged: %s", errs)
		}
	}
	if flagged > 1 {
		t.Errorf("identical peers flagged in %d of 3 trials", flagged)
	}
}

// startSlowPeer starts a peer that answers each message a service time
// after it arrived (a sleep, accurate to tens of microseconds).
func startSlowPeer(t *testing.T, service time.Duration) string {
	t.Helper()
	p, err := slowpeer.Start(service)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Addr()
}

// tableRow returns the table row of metric, spaces squeezed.
func tableRow(out, metric string) string {
	for l := range strings.SplitSeq(out, "\n") {
		if f := strings.Fields(strings.Trim(l, "|")); len(f) > 0 && f[0] == metric {
			return strings.Join(strings.Fields(l), " ")
		}
	}
	return ""
}
