package report

import (
	"math"
	"strings"
	"testing"
)

// runsOf returns one constRun per RTT (µs), each receiving received
// replies per second.
func runsOf(received int64, rttsUs ...float64) []*Run {
	out := make([]*Run, len(rttsUs))
	for i, us := range rttsUs {
		out[i] = constRun(int64(us*1000), received)
	}
	return out
}

func TestCompareRuns(t *testing.T) {
	limits, _ := ParseLimits(DefaultLimitsRuns)
	base := runsOf(1000, 26.1, 27.3, 25.9, 26.8, 27.0)
	tests := []struct {
		name      string
		cur       []*Run
		regressed bool
		p50       Verdict
	}{
		// The samples of the R reference "separated": 27.6% slower, p = 0.0079 < 0.05/3.
		{"30% slower", runsOf(1000, 33.9, 35.1, 34.2, 36.0, 33.5), true, VerdictRegressed},
		{"same", runsOf(1000, 26.5, 27.1, 26.0, 26.9, 27.2), false, VerdictSame},
		{"faster", runsOf(1000, 20.1, 21.0, 20.5, 19.9, 20.7), false, VerdictImproved},
		// Significant, but 3% is within the 5% limit.
		{"slightly slower", runsOf(1000, 27.7, 28.0, 27.9, 27.8, 28.1), false, VerdictOK},
		// 30% slower in four runs, one run as fast as the baseline: U = 4, p = 0.095.
		{"slower but overlapping", runsOf(1000, 33.9, 26.0, 34.2, 36.0, 33.5), false, VerdictSame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CompareRuns(base, tt.cur, limits)
			if c.Regressed() != tt.regressed {
				t.Errorf("Regressed() = %v, want %v", c.Regressed(), tt.regressed)
			}
			d := deltaOf(t, c, "p50")
			if d.Verdict != tt.p50 {
				t.Errorf("p50 verdict %q (p %.4g, change %+.1f%% [%+.1f%%, %+.1f%%]), want %q", d.Verdict, d.P, d.Change, d.ChangeLow, d.ChangeHigh, tt.p50)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings %q", c.Warnings)
			}
			if !(d.ChangeLow <= d.ChangeHigh) {
				t.Errorf("interval [%v, %v]", d.ChangeLow, d.ChangeHigh)
			}
		})
	}
}

// TestCompareRunsAgainstR checks medians, change, interval and p-value of
// the "separated" R reference (see rReference) through CompareRuns: the
// interval is exp of R's log-shift interval, minus 1.
func TestCompareRunsAgainstR(t *testing.T) {
	ref := rReference[0]
	c := CompareRuns(runsOf(1000, ref.base...), runsOf(1000, ref.cur...), Limits{{"p50", 5}})
	d := deltaOf(t, c, "p50")
	// The histogram keeps 3 significant digits: 26.8 µs is recorded in a
	// bucket of 16 ns, so the medians are within 0.1%.
	if math.Abs(d.Base-26_800) > 27 || math.Abs(d.Current-34_200) > 35 {
		t.Errorf("medians %v, %v; want 26.8 µs and 34.2 µs", d.Base, d.Current)
	}
	lo, hi := math.Expm1(ref.logLo)*100, math.Expm1(ref.logHi)*100 // +24.18%, +35.52%
	if math.Abs(d.ChangeLow-lo) > 0.2 || math.Abs(d.ChangeHigh-hi) > 0.2 {
		t.Errorf("interval [%.2f%%, %.2f%%], want [%.2f%%, %.2f%%]", d.ChangeLow, d.ChangeHigh, lo, hi)
	}
	if !near(d.P, ref.p) || !d.Significant || d.Verdict != VerdictRegressed {
		t.Errorf("p %v significant %v verdict %q; want %v, true, REGRESSED", d.P, d.Significant, d.Verdict, ref.p)
	}
	if d := deltaOf(t, c, "msgs_per_sec"); d.P != 1 || d.Verdict != VerdictSame {
		t.Errorf("equal rates: p %v, verdict %q; want 1 and ~", d.P, d.Verdict)
	}
}

func TestCompareRunsWarnings(t *testing.T) {
	limits, _ := ParseLimits(DefaultLimitsRuns)
	one := CompareRuns(runsOf(1000, 10), runsOf(1000, 20), limits)
	if one.Several() || len(one.Warnings) != 1 || !strings.Contains(one.Warnings[0], "one run a side") || !one.Regressed() {
		t.Errorf("one run a side: several %v, warnings %q, regressed %v; want today's verdict and a warning", one.Several(), one.Warnings, one.Regressed())
	}
	if d := deltaOf(t, one, "p50"); !math.IsNaN(d.P) || !math.IsNaN(d.ChangeLow) {
		t.Errorf("one run a side: p %v, interval %v; want NaN", d.P, d.ChangeLow)
	}
	three := CompareRuns(runsOf(1000, 10, 11, 12), runsOf(1000, 20, 21, 22), limits)
	if three.Regressed() || len(three.Warnings) != 1 || !strings.Contains(three.Warnings[0], "give at least 5 runs a side") {
		t.Errorf("three runs a side: regressed %v, warnings %q; want no verdict and a warning", three.Regressed(), three.Warnings)
	}
	if five := CompareRuns(runsOf(1000, 10, 11, 12, 13, 14), runsOf(1000, 20, 21, 22, 23, 24), limits); len(five.Warnings) != 0 || !five.Regressed() {
		t.Errorf("five runs a side: warnings %q, regressed %v", five.Warnings, five.Regressed())
	}
}

func TestCompareRunsFloor(t *testing.T) {
	base := runsOf(1000, 10.0, 10.1, 10.2, 10.3, 10.4)
	cur := runsOf(1000, 11.0, 11.1, 11.2, 11.3, 11.4) // +10%, +1 µs
	c := CompareRuns(base, cur, Limits{{"p50", 5}}, WithFloor(2000))
	if d := deltaOf(t, c, "p50"); d.Verdict != VerdictBelowFloor {
		t.Errorf("verdict %q, want %q", d.Verdict, VerdictBelowFloor)
	}
	c = CompareRuns(base, cur, Limits{{"p50", 5}}, WithAlpha(0.001))
	if d := deltaOf(t, c, "p50"); d.Verdict != VerdictSame || c.Level != 0.001 {
		t.Errorf("alpha 0.001: verdict %q level %v; want ~ (5 runs cannot reach it)", d.Verdict, c.Level)
	}
}
