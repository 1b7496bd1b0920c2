package report

import (
	"maps"
	"math"
	"strings"
	"testing"
	"time"
)

// constRun returns a run whose every RTT is rttNs and that received
// received replies in one second.
func constRun(rttNs int64, received int64) *Run {
	h := NewHistogram()
	_ = h.RecordValues(rttNs, 1000)
	return &Run{Schema: Schema, RTT: h, Received: received, BytesReceived: 52 * received, Elapsed: time.Second}
}

func deltaOf(t *testing.T, c Comparison, metric string) Delta {
	t.Helper()
	for _, d := range c.Deltas {
		if d.Metric == metric {
			return d
		}
	}
	t.Fatalf("no delta for %s", metric)
	return Delta{}
}

func TestCompare(t *testing.T) {
	limits := Limits{{"p99", 10}, {"msgs_per_sec", 5}}
	tests := []struct {
		name      string
		base, cur *Run
		floor     time.Duration
		regressed bool
		verdicts  map[string]Verdict
	}{
		{"same", constRun(10_000, 1000), constRun(10_000, 1000), 0, false,
			map[string]Verdict{"p99": VerdictOK, "msgs_per_sec": VerdictOK, "p50": VerdictNone}},
		{"p99 up 50%", constRun(10_000, 1000), constRun(15_000, 1000), 0, true,
			map[string]Verdict{"p99": VerdictRegressed, "p50": VerdictNone}},
		{"p99 up 50% but by less than the floor", constRun(10_000, 1000), constRun(15_000, 1000), 6 * time.Microsecond, false,
			map[string]Verdict{"p99": VerdictBelowFloor}},
		{"p99 up 50%, just over the floor", constRun(10_000, 1000), constRun(15_000, 1000), 4 * time.Microsecond, true,
			map[string]Verdict{"p99": VerdictRegressed}},
		{"p99 up 5%, within the limit", constRun(10_000, 1000), constRun(10_500, 1000), 0, false,
			map[string]Verdict{"p99": VerdictOK}},
		{"p99 improved", constRun(10_000, 1000), constRun(5_000, 1000), 0, false,
			map[string]Verdict{"p99": VerdictOK}},
		{"throughput down 10%", constRun(10_000, 1000), constRun(10_000, 900), time.Second, true,
			map[string]Verdict{"msgs_per_sec": VerdictRegressed, "p99": VerdictOK}},
		{"throughput down 4%", constRun(10_000, 1000), constRun(10_000, 960), 0, false,
			map[string]Verdict{"msgs_per_sec": VerdictOK}},
		{"throughput up", constRun(10_000, 1000), constRun(10_000, 2000), 0, false,
			map[string]Verdict{"msgs_per_sec": VerdictOK}},
		{"unlimited metric never regresses", constRun(10_000, 1000), constRun(10_000, 1), 0, true,
			map[string]Verdict{"bytes_per_sec": VerdictNone, "msgs_per_sec": VerdictRegressed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.base, tt.cur, limits, tt.floor)
			if got := c.Regressed(); got != tt.regressed {
				t.Errorf("Regressed() = %v, want %v", got, tt.regressed)
			}
			for m, want := range tt.verdicts {
				if got := deltaOf(t, c, m).Verdict; got != want {
					t.Errorf("%s verdict %q, want %q", m, got, want)
				}
			}
		})
	}
}

func TestCompareChange(t *testing.T) {
	c := Compare(constRun(10_000, 1000), constRun(12_500, 800), nil, 0)
	d := deltaOf(t, c, "p99")
	if !d.Latency || d.Unit != "ns" || math.Abs(d.Change-25) > 0.2 {
		t.Errorf("p99 delta %+v, want a latency rise of about 25%%", d)
	}
	if d := deltaOf(t, c, "msgs_per_sec"); d.Latency || d.Unit != "msgs/s" || math.Abs(d.Change+20) > 1e-9 {
		t.Errorf("msgs_per_sec delta %+v, want a drop of 20%%", d)
	}
	zero := &Run{RTT: NewHistogram()}
	if d := deltaOf(t, Compare(zero, constRun(1000, 1), nil, 0), "p99"); !math.IsNaN(d.Change) {
		t.Errorf("change from 0 = %v, want NaN", d.Change)
	}
}

func TestModeDifferences(t *testing.T) {
	base := fixtureRun(1, 0)
	base.Config["mix"], base.Config["window"] = "heartbeat=100", 1
	tests := []struct {
		name string
		edit func(r *Run)
		want string
	}{
		{"same", func(r *Run) {}, ""},
		{"command", func(r *Run) { r.Command = "flood" }, "command: ping vs flood"},
		{"open loop", func(r *Run) { r.TargetRate = 1000 }, "loop: closed loop vs open loop"},
		{"connections", func(r *Run) { r.Connections = 8 }, "connections: 2 vs 8"},
		{"mix and window", func(r *Run) { r.Config["mix"], r.Config["window"] = "order=100", 256 },
			"mix: heartbeat=100 vs order=100; window: 1 vs 256"},
		{"unknown setting", func(r *Run) { delete(r.Config, "mix") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := fixtureRun(2, 0)
			cur.Config = maps.Clone(base.Config)
			tt.edit(cur)
			if got := strings.Join(ModeDifferences(base, cur), "; "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	a, b := fixtureRun(1, 1000), fixtureRun(1, 2000)
	if got := strings.Join(ModeDifferences(a, b), "; "); got != "rate (msgs/s): 1000 vs 2000" {
		t.Errorf("rates: got %q", got)
	}
}

// TestCompareWithoutByteCounts: a side read from an interval log (or a
// capacity result) has round trips but no byte counts, so bytes_per_sec
// is not compared, on either side, whatever its limit: no false
// regression of -100%, a warning instead, and no JUnit case.
func TestCompareWithoutByteCounts(t *testing.T) {
	limits, _ := ParseLimits("bytes_per_sec=5%")
	full := constRun(1000, 1000)
	fromLog := constRun(1000, 1000)
	fromLog.BytesReceived = 0
	for _, tt := range []struct {
		name      string
		base, cur *Run
	}{{"current from a log", full, fromLog}, {"baseline from a log", fromLog, full}} {
		c := CompareRuns([]*Run{tt.base}, []*Run{tt.cur}, limits)
		d := deltaOf(t, c, "bytes_per_sec")
		if c.Regressed() || d.Verdict != "" || !math.IsNaN(d.Change) {
			t.Errorf("%s: verdict %q, change %v: want no verdict, no change", tt.name, d.Verdict, d.Change)
		}
		if !strings.Contains(strings.Join(c.Warnings, "\n"), "bytes_per_sec has a limit but was not compared") {
			t.Errorf("%s: warnings %q do not say bytes_per_sec was not compared", tt.name, c.Warnings)
		}
		for _, tc := range ComparisonSuite("cmp", c).Cases {
			if tc.Name == "bytes_per_sec" {
				t.Errorf("%s: JUnit case %+v for a metric not compared", tt.name, tc)
			}
		}
	}
	if d := deltaOf(t, CompareRuns([]*Run{full}, []*Run{constRun(1000, 500)}, limits), "bytes_per_sec"); d.Verdict != VerdictRegressed {
		t.Errorf("both sides counted, bytes halved: verdict %q, want regressed", d.Verdict)
	}
}
