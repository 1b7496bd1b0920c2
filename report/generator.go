package report

import (
	"fmt"
	"strings"
	"time"
)

// Generator says what the load generator itself cost during the measured
// window, so that its stalls can be told from the peer's: how it waited for
// replies, where it was allowed to run, how much the garbage collector
// stopped it, what a clock reading costs and, in rate mode, how far its
// sends fell behind their schedule. Durations are in nanoseconds.
type Generator struct {
	IOMode      string   `json:"io_mode"`                // "poller", "blocking" or "busy-poll"
	GOMAXPROCS  int      `json:"gomaxprocs"`             // Ps the generator ran with
	CPUAffinity string   `json:"cpu_affinity,omitempty"` // CPUs it may run on, e.g. "0" or "0-1"; empty where unknown
	GCCycles    int64    `json:"gc_cycles"`              // garbage collections during the window
	GCPauseNs   int64    `json:"gc_pause_ns"`            // their stop-the-world pauses, summed
	ClockReadNs float64  `json:"clock_read_ns"`          // cost of one monotonic clock reading
	SendLag     *SendLag `json:"send_lag_ns,omitempty"`  // rate mode only
}

// SendLag summarizes, in rate mode, the actual minus the intended send time
// of every measured message, in nanoseconds.
type SendLag struct {
	P50   int64 `json:"p50"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
	Count int64 `json:"count"`
}

// String returns the generator line of the table, e.g.
// "io blocking, GOMAXPROCS 2, CPUs 0-1, GC 0 (0s), clock 21ns, send lag p50 1.2µs p99 8µs max 40µs".
func (g *Generator) String() string {
	if g == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "io %s, GOMAXPROCS %d", g.IOMode, g.GOMAXPROCS)
	if g.CPUAffinity != "" {
		fmt.Fprintf(&b, ", CPUs %s", g.CPUAffinity)
	}
	fmt.Fprintf(&b, ", GC %d (%v pause), clock %.0fns", g.GCCycles, sig4(time.Duration(g.GCPauseNs)), g.ClockReadNs)
	if l := g.SendLag; l != nil {
		fmt.Fprintf(&b, ", send lag p50 %v p99 %v max %v", sig4(time.Duration(l.P50)), sig4(time.Duration(l.P99)), sig4(time.Duration(l.Max)))
	}
	return b.String()
}

// sig4 rounds d to 4 significant digits: 8.413ms, not 8.413183ms.
func sig4(d time.Duration) time.Duration {
	p := time.Duration(1)
	for d/p >= 10000 {
		p *= 10
	}
	return d.Round(p)
}

// ShortRate is the share of its target rate below which a rate-limited
// run, or one step of a capacity search, did not offer its target: the
// generator fell short. See [Short].
const ShortRate = 0.95

// LateSend is how far behind its schedule a send must leave, in rate mode,
// to count in [Run].LateSends.
const LateSend = time.Millisecond

// LateShare is the share of late sends (see [LateSend]) from which
// [GeneratorWarning] says the generator fell behind its schedule.
const LateShare = 0.01

// Short reports whether a generator that sent achieved msgs/s against a
// target of target msgs/s fell short of it: below [ShortRate] of the
// target. A target of 0 (closed loop) is never short.
func Short(achieved, target float64) bool {
	return target > 0 && achieved < ShortRate*target
}

// PeerPaceWarning returns a warning, starting with "WARNING: ", when a
// rate-limited run fell short of its target because the peer answered no
// faster: every connection keeps at most its window of messages in
// flight, so a round trip of R (the uncorrected mean) allows at most
// connections × window / R msgs/s, and the run sent at least
// [PeerPaceShare] of that. The generator then did what it could; the
// corrected latencies include the wait for the peer, which is what a
// client offering the target rate would see. It returns "" otherwise,
// and for a run whose config does not give its window.
func PeerPaceWarning(r *Run) string {
	achieved := r.AchievedRate()
	if r.TargetRate <= 0 || r.Elapsed <= 0 || !Short(achieved, r.TargetRate) || r.Uncorrected == nil || r.Uncorrected.TotalCount() == 0 {
		return ""
	}
	var window float64
	switch v := r.Config["window"].(type) {
	case int:
		window = float64(v)
	case float64:
		window = v
	}
	rtt := r.Uncorrected.Mean()
	if window <= 0 || rtt <= 0 || r.Connections <= 0 {
		return ""
	}
	bound := float64(r.Connections) * window * 1e9 / rtt
	if achieved < PeerPaceShare*bound {
		return ""
	}
	return fmt.Sprintf("WARNING: the peer set the pace, not the load generator: with %s and %s in flight on each, "+
		"its round trip of %v (uncorrected mean) allows at most %.0f msgs/s; the run sent %.0f msgs/s of the target %.0f msgs/s. "+
		"Corrected latencies include the wait for the peer's replies; to offer the target rate, use more connections or more messages in flight.",
		plural(int64(r.Connections), "connection"), plural(int64(window), "message"), sig4(time.Duration(rtt)), bound, achieved, r.TargetRate)
}

// PeerPaceShare is the share of the rate its round trips allow from which
// a run short of its target is said to be paced by the peer (see
// [PeerPaceWarning]).
const PeerPaceShare = 0.8

// GeneratorWarning returns one warning, starting with "WARNING: ", when a
// rate-limited run's generator did not keep to its schedule (or
// [PeerPaceWarning]'s, when the peer's round trips set the pace), so that its
// corrected latencies include the generator's own lag: it sent less than
// [ShortRate] of the target, at least [LateShare] of its sends left more
// than [LateSend] late, or its send lag p99 exceeds the measured p50 round
// trip. advice, if not empty, says what to change ("a lower --rate"); the
// warning then ends "use ADVICE, or another machine for the generator".
// It returns "" when there is nothing to warn about.
func GeneratorWarning(r *Run, advice string) string {
	if r.TargetRate <= 0 {
		return ""
	}
	if w := PeerPaceWarning(r); w != "" {
		return w
	}
	var what []string
	if achieved := r.AchievedRate(); r.Elapsed > 0 && Short(achieved, r.TargetRate) {
		what = append(what, fmt.Sprintf("it sent %.0f msgs/s, %.1f%% of the target %.0f msgs/s",
			achieved, 100*achieved/r.TargetRate, r.TargetRate))
	}
	if share := float64(r.LateSends) / float64(max(r.Sent, 1)); r.Elapsed > 0 && share >= LateShare {
		what = append(what, fmt.Sprintf("%d sends (%.1f%%) left more than %v behind schedule, the worst %.1f ms behind",
			r.LateSends, 100*share, LateSend, float64(r.MaxSendLag)/1e6))
	}
	if r.Generator != nil && r.Generator.SendLag != nil && r.RTT != nil && r.RTT.TotalCount() > 0 {
		if p50, lag := r.RTT.ValueAtQuantile(50), r.Generator.SendLag.P99; lag > p50 {
			what = append(what, fmt.Sprintf("its send lag p99 (%v) exceeds the measured p50 rtt (%v), so the corrected latencies are largely its own delay",
				sig4(time.Duration(lag)), sig4(time.Duration(p50))))
		}
	}
	if len(what) == 0 {
		return ""
	}
	w := "WARNING: the load generator could not keep to its schedule: " + strings.Join(what, "; ") + ". Corrected latencies include this lag"
	if advice != "" {
		return w + ": use " + advice + ", or another machine for the generator."
	}
	return w + "."
}

// plural is "1 connection" or "3 connections".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
