package reliability_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/report"
)

// peerExitBound is how soon after its peer dies a client must exit.
const peerExitBound = 3 * time.Second

// loadArgs returns the arguments of a ping or flood run against addr that
// lasts d after no warmup, plus extra.
func loadArgs(cmd, addr string, d time.Duration, extra ...string) []string {
	args := []string{cmd, "--addr", addr, "--duration", d.String(), "--warmup", "0", "--json", "--quiet"}
	if cmd == "ping" {
		args = append(args, "--count", "0") // only the duration ends the run
	}
	return append(args, extra...)
}

// readRun parses the JSON result a client printed on stdout.
func readRun(t testing.TB, p *proc) *report.Run {
	t.Helper()
	run, err := report.ReadJSON(strings.NewReader(p.stdout.String()))
	if err != nil {
		t.Fatalf("%s: stdout is not a JSON result: %v\nstdout:\n%s\nstderr:\n%s", p.name, err,
			tail(p.stdout.String(), 500), tail(p.stderr.String(), 2000))
	}
	return run
}

// TestPeerKilled kills the echo process (SIGKILL) in the middle of a ping
// and of a flood, in closed loop, at a fixed rate, with blocking sockets,
// busy polling, and with --reconnect when the peer never comes back (the
// run then ends at its 3 s duration): the client must exit 1 within
// peerExitBound (of the kill, or of the end of the duration) and print a
// JSON result that holds everything measured until then.
func TestPeerKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd string
		extra     []string
	}{
		{"ping", "ping", nil},
		{"flood", "flood", nil},
		{"ping at a fixed rate", "ping", []string{"--rate", "2000"}},
		{"flood at a fixed rate", "flood", []string{"--rate", "100000"}},
		{"ping with blocking sockets", "ping", []string{"--blocking"}},
		{"ping with busy polling", "ping", []string{"--busy-poll"}},
		{"flood reconnecting to no one", "flood", []string{"--reconnect"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i >= 2 && testing.Short() {
				t.Skip("-short: ping and flood only")
			}
			loadSlot(t)
			runFor, bound := time.Minute, peerExitBound
			if slices.Contains(tt.extra, "--reconnect") {
				runFor, bound = 3*time.Second, 2*time.Second+peerExitBound // from the kill, 1 s into the run
			}
			e := mustStartEcho(t, "127.0.0.1:0")
			c := start(t, loadArgs(tt.cmd, e.addr, runFor, tt.extra...)...)
			time.Sleep(time.Second)
			if c.exited() {
				t.Fatalf("%s ended before its peer was killed: %s", c.name, c.stderr)
			}
			e.signal(t, syscall.SIGKILL)
			killed := time.Now()
			code := c.wait(t, 20*time.Second)
			took := time.Since(killed)
			if code != 1 {
				t.Errorf("exit code %d, want 1\nstderr:\n%s", code, tail(c.stderr.String(), 2000))
			}
			if took > bound {
				t.Errorf("exited %v after the peer died, want within %v", took.Round(time.Millisecond), bound)
			}
			run := readRun(t, c)
			if run.Received == 0 || run.RTT.TotalCount() != run.Received {
				t.Errorf("received %d, recorded %d round trips: the measurements before the failure are lost", run.Received, run.RTT.TotalCount())
			}
			if run.Errors == 0 || len(run.ErrorSamples) == 0 || run.Interrupted {
				t.Errorf("errors %d, samples %q, interrupted %v: want the failure counted and described", run.Errors, run.ErrorSamples, run.Interrupted)
			}
			// The window lasts until the run stopped measuring: the peer's
			// death, or with --reconnect the run's planned end, which it
			// carried on to.
			if slices.Contains(tt.extra, "--reconnect") {
				if run.Elapsed < runFor-500*time.Millisecond || run.Elapsed > runFor+time.Second {
					t.Errorf("measured window %v, want the run's %v, which went on reconnecting", run.Elapsed, runFor)
				}
			} else if run.Elapsed <= 0 || run.Elapsed > runFor/2 {
				t.Errorf("measured window %v, want the time until the peer died", run.Elapsed)
			}
			if !strings.Contains(c.stderr.String(), "connection failed") {
				t.Errorf("stderr does not say the connection failed:\n%s", tail(c.stderr.String(), 1000))
			}
			t.Logf("exit %d after %v; received %d in %v, errors %d: %s", code, took.Round(time.Millisecond),
				run.Received, run.Elapsed.Round(time.Millisecond), run.Errors, run.ErrorSamples[0])
		})
	}
}

var totalsRE = regexp.MustCompile(`totals: connections (\d+), messages (\d+)`)

// echoTotals stops an echo process with SIGTERM and returns the
// connections and messages of its totals line.
func echoTotals(t testing.TB, e *echoProc) (conns, msgs int64) {
	t.Helper()
	e.signal(t, syscall.SIGTERM)
	if code := e.wait(t, 10*time.Second); code != 0 {
		t.Errorf("%s: exit code %d after SIGTERM", e.name, code)
	}
	m := totalsRE.FindStringSubmatch(e.stdout.String())
	if m == nil {
		t.Fatalf("%s printed no totals:\n%s", e.name, e.stdout)
	}
	conns, _ = strconv.ParseInt(m[1], 10, 64)
	msgs, _ = strconv.ParseInt(m[2], 10, 64)
	return conns, msgs
}

// TestPeerRestartedWithReconnect kills the echo process in the middle of a
// run with --reconnect and starts a new one on the same port after an
// outage: the run must carry on to its planned end, and its result must
// count the reconnects and the gap. Replies in flight when the peer died
// are lost and counted as errors, so the exit code is 1 if there were any.
func TestPeerRestartedWithReconnect(t *testing.T) {
	const (
		runFor = 3 * time.Second
		outage = 300 * time.Millisecond
	)
	t.Parallel()
	for _, cmd := range []string{"ping", "flood"} {
		t.Run(cmd, func(t *testing.T) {
			loadSlot(t)
			e1 := mustStartEcho(t, "127.0.0.1:0")
			c := start(t, loadArgs(cmd, e1.addr, runFor, "--reconnect")...)
			time.Sleep(800 * time.Millisecond)
			e1.signal(t, syscall.SIGKILL)
			<-e1.waited
			time.Sleep(outage)
			var e2 *echoProc
			if !waitFor(5*time.Second, func() bool {
				var err error
				e2, err = startEcho(t, e1.addr)
				return err == nil
			}) {
				t.Fatalf("could not start echo on %s again", e1.addr)
			}
			code := c.wait(t, runFor+20*time.Second)
			run := readRun(t, c)
			if want := min(run.Errors, 1); int64(code) != want {
				t.Errorf("exit code %d with %d errors, want %d\nstderr:\n%s", code, run.Errors, want, tail(c.stderr.String(), 2000))
			}
			reconnects := float64(run.Reconnects)
			gap := run.ReconnectGap.Seconds()
			conns := float64(run.Connections)
			if reconnects < conns {
				t.Errorf("reconnects %v, want at least one per connection (%v)", run.Reconnects, conns)
			}
			// The gap is summed over the connections; each lasted at
			// least most of the outage.
			if gap < 0.8*outage.Seconds()*conns || gap > runFor.Seconds()*conns {
				t.Errorf("reconnect_gap_s %v, want between %.2f and %.0f (the outage, %v, on each of %v connections)",
					gap, 0.8*outage.Seconds()*conns, runFor.Seconds()*conns, outage, conns)
			}
			if run.Elapsed < runFor-500*time.Millisecond || run.Interrupted {
				t.Errorf("measured window %v (interrupted %v), want the run carried on for about %v", run.Elapsed, run.Interrupted, runFor)
			}
			served, msgs := echoTotals(t, e2)
			if served < int64(conns) || msgs == 0 {
				t.Errorf("the restarted peer served %d connections and %d messages: the run did not carry on", served, msgs)
			}
			t.Logf("exit %d; received %d (%d after the restart), errors %d, reconnects %v, gap %.3f s over %v connections",
				code, run.Received, msgs, run.Errors, reconnects, gap, conns)
		})
	}
}

// TestPeerFreezes stops the echo process (SIGSTOP) in the middle of a run:
// the peer neither answers nor closes. A run with a duration must end by
// itself at its duration plus the drain of replies in flight (2 s), and a
// run with only a count must fail the connection after --reply-timeout;
// either way it exits 1, within 3 s of that bound, and reports the missing
// replies.
func TestPeerFreezes(t *testing.T) {
	t.Parallel()
	const runFor = 2 * time.Second
	tests := []struct {
		name  string
		args  func(addr string) []string
		bound time.Duration // from the freeze, 500 ms into the run
	}{
		{"ping ends at its duration", func(addr string) []string { return loadArgs("ping", addr, runFor) },
			runFor + 2*time.Second},
		{"flood ends at its duration", func(addr string) []string { return loadArgs("flood", addr, runFor) },
			runFor + 2*time.Second},
		{"ping with a count fails after the reply timeout", func(addr string) []string {
			return []string{"ping", "--addr", addr, "--count", "1000000000", "--warmup", "0", "--reply-timeout", "2s", "--json", "--quiet"}
		}, 2 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i == 1 && testing.Short() {
				t.Skip("-short: ping only")
			}
			t.Parallel()
			e := mustStartEcho(t, "127.0.0.1:0")
			c := start(t, tt.args(e.addr)...)
			time.Sleep(500 * time.Millisecond)
			e.signal(t, syscall.SIGSTOP)
			frozen := time.Now()
			code := c.wait(t, tt.bound+10*time.Second)
			took := time.Since(frozen)
			run := readRun(t, c)
			if code != 1 || run.Received == 0 || run.Errors == 0 {
				t.Errorf("exit code %d, received %d, errors %d: want 1, the replies before the freeze, and the missing ones as errors\nstderr:\n%s",
					code, run.Received, run.Errors, tail(c.stderr.String(), 1000))
			}
			// The reply timeout runs from the last reply, so a run it ends
			// exits at most a second (start-up and exit on a loaded
			// machine) after it; one re-armed at each check would take
			// twice the timeout.
			limit := tt.bound + peerExitBound
			if i == 2 {
				limit = tt.bound + time.Second
			}
			if took > limit {
				t.Errorf("exited %v after the peer froze, want within %v", took.Round(time.Millisecond), limit)
			}
			t.Logf("exit %d after %v; received %d, errors %d: %q", code, took.Round(time.Millisecond), run.Received, run.Errors, run.ErrorSamples)
		})
	}
}

// TestClientPausedHeartbeatsInTime pauses the client (SIGSTOP, as a
// loaded CI machine may deschedule it) for longer than its heartbeat
// timeout, while its peer keeps sending Heartbeats: they wait in the
// client's socket, came in time, and must not fail the run. A client
// that checked the timeout before reading them did.
func TestClientPausedHeartbeatsInTime(t *testing.T) {
	t.Parallel()
	loadSlot(t)
	e := mustStartEcho(t, "127.0.0.1:0", "--reply", "book", "--heartbeat", "50ms")
	c := start(t, loadArgs("ping", e.addr, 2*time.Second, "--reply", "book", "--msg", "heartbeat", "--heartbeat-timeout", "200ms")...)
	c.waitHandlers(t)
	time.Sleep(300 * time.Millisecond)
	c.signal(t, syscall.SIGSTOP)
	time.Sleep(600 * time.Millisecond)
	c.signal(t, syscall.SIGCONT)
	code := c.wait(t, 20*time.Second)
	run := readRun(t, c)
	if code != 0 || run.Errors != 0 {
		t.Errorf("exit code %d, errors %d %q: want 0 and none, the Heartbeats waited unread\nstderr:\n%s",
			code, run.Errors, run.ErrorSamples, tail(c.stderr.String(), 1000))
	}
}
