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

// GeneratorWarning returns a warning when a coordinated-omission-corrected
// result is dominated by the generator's own lateness: its send lag p99
// exceeds the measured p50 round trip, so a good part of the latency it
// reports was spent in the generator, not in the peer. It returns "" when
// there is nothing to warn about.
func GeneratorWarning(r *Run) string {
	if r.Generator == nil || r.Generator.SendLag == nil || r.TargetRate <= 0 || r.RTT == nil || r.RTT.TotalCount() == 0 {
		return ""
	}
	p50 := r.RTT.ValueAtQuantile(50)
	lag := r.Generator.SendLag.P99
	if lag <= p50 {
		return ""
	}
	return fmt.Sprintf("WARNING: the generator's send lag p99 (%v) exceeds the measured p50 rtt (%v): the corrected latencies are largely the generator's own delay",
		sig4(time.Duration(lag)), sig4(time.Duration(p50)))
}
