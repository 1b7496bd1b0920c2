package report

import (
	"fmt"
	"math"
	"time"
)

// Verdict is the outcome of comparing one metric.
type Verdict string

// Verdicts of a [Delta].
const (
	VerdictNone       Verdict = ""                 // no limit for this metric
	VerdictOK         Verdict = "ok"               // within the limit
	VerdictBelowFloor Verdict = "ok (below floor)" // over the limit, but by less than the floor
	VerdictRegressed  Verdict = "REGRESSED"        // over the limit (and, with several runs, significant)
	VerdictSame       Verdict = "~"                // several runs a side: no significant change
	VerdictImproved   Verdict = "improved"         // several runs a side: a significant improvement
)

// Delta compares one metric of two runs, or of two sets of runs.
type Delta struct {
	Metric   string
	Kind     MetricKind
	Latency  bool    // Kind is MetricLatency: Base and Current are nanoseconds
	Unit     string  // the metric's unit: "ns", "msgs/s", "B/s", "errors" or "" (a ratio)
	Base     float64 // baseline value; with several runs, their median
	Current  float64 // current value; with several runs, their median
	Change   float64 // (Current-Base)/Base in percent; NaN if Base is 0 and Current is not
	Limit    float64 // limit in percent, if HasLimit
	HasLimit bool
	Verdict  Verdict

	// With several runs a side (see [CompareRuns]); NaN and false with one.
	ChangeLow, ChangeHigh float64 // 95% confidence interval of the change, in percent
	P                     float64 // two-sided p-value of the Mann-Whitney U test
	Significant           bool    // P below the comparison's Level
}

// Comparison is the result of [Compare] or [CompareRuns].
type Comparison struct {
	Base, Current *Run   // the first run of each side
	Bases         []*Run // every baseline run
	Currents      []*Run // every current run
	Floor         time.Duration
	Alpha         float64 // the chance that identical sides are flagged, at most
	Level         float64 // a metric's change is significant when its P is below: Alpha divided by the number of limits
	Deltas        []Delta // one per metric, in a fixed order
	Warnings      []string

	notCompared []string // metrics with a limit that a side could not measure
}

// Several reports whether a side has more than one run, so that the
// comparison is statistical.
func (c Comparison) Several() bool { return len(c.Bases) > 1 || len(c.Currents) > 1 }

// Regressed reports whether any metric regressed beyond its limit.
func (c Comparison) Regressed() bool {
	for _, d := range c.Deltas {
		if d.Verdict == VerdictRegressed {
			return true
		}
	}
	return false
}

// DefaultAlpha is the significance level of [CompareRuns] when none is
// given.
const DefaultAlpha = 0.05

// DefaultLimitsRuns are the limits to use with several runs a side: tight,
// because the significance test carries the noise.
const DefaultLimitsRuns = "p50=5%,p99=10%,msgs_per_sec=5%"

// CompareOption sets an option of [CompareRuns].
type CompareOption func(*Comparison)

// WithFloor ignores latency rises smaller than d in absolute terms.
func WithFloor(d time.Duration) CompareOption { return func(c *Comparison) { c.Floor = d } }

// WithAlpha sets the significance level ([DefaultAlpha] otherwise): the
// largest chance that two sides measuring the same thing are flagged.
func WithAlpha(a float64) CompareOption { return func(c *Comparison) { c.Alpha = a } }

// Compare compares cur against the baseline base, metric by metric: those
// of [CompareMetrics], then any other that limits name. A latency metric
// regresses when it rises by more than its limit percent AND by more than
// floor in absolute terms, so that noise on tiny values is ignored; errors
// and error_rate when they rise by more than their limit (any rise from
// zero is beyond every limit); a rate when it drops by more than its limit
// percent. Metrics without a limit are reported but never regress. One run
// cannot tell a change from noise; see [CompareRuns].
func Compare(base, cur *Run, limits Limits, floor time.Duration) Comparison {
	return CompareRuns([]*Run{base}, []*Run{cur}, limits, WithFloor(floor))
}

// CompareRuns compares several current runs against several baseline
// runs, as benchstat does. Per metric it takes each side's median over its
// runs, the change between the medians, a 95% confidence interval of the
// change (the Hodges-Lehmann interval of the shift in log values, as R's
// wilcox.test(conf.int = TRUE) computes it) and the p-value of a two-sided
// Mann-Whitney U test. A change is significant when its p-value is below
// Alpha divided by the number of limits (Bonferroni), so that identical
// sides are flagged with a chance of at most Alpha. A metric regresses
// only when its change is both beyond its limit (as for [Compare]) and
// significant; otherwise the verdict is [VerdictSame] ("~"), or
// [VerdictImproved], or [VerdictOK] for a significant change within the
// limit. With one run a side it is [Compare], plus a warning.
func CompareRuns(base, cur []*Run, limits Limits, opts ...CompareOption) Comparison {
	c := Comparison{Bases: base, Currents: cur, Alpha: DefaultAlpha}
	if len(base) > 0 {
		c.Base = base[0]
	}
	if len(cur) > 0 {
		c.Current = cur[0]
	}
	for _, o := range opts {
		o(&c)
	}
	c.Level = c.Alpha / float64(max(len(limits), 1))
	for _, m := range comparedMetrics(limits, timedFills(base) && timedFills(cur)) {
		d := c.delta(m, limits)
		c.Deltas = append(c.Deltas, d)
	}
	c.Warnings = c.warnings()
	return c
}

func (c *Comparison) delta(m Metric, limits Limits) Delta {
	bs, cs := valuesOf(m, c.Bases), valuesOf(m, c.Currents)
	d := Delta{Metric: m.Name, Kind: m.Kind, Latency: m.Kind == MetricLatency, Unit: m.Unit,
		Base: median(bs), Current: median(cs), ChangeLow: math.NaN(), ChangeHigh: math.NaN(), P: math.NaN()}
	d.Change = change(d.Base, d.Current)
	for _, l := range limits {
		if l.Metric == m.Name {
			d.Limit, d.HasLimit = l.Percent, true
		}
	}
	if m.Name == "bytes_per_sec" && !(countsBytes(c.Bases) && countsBytes(c.Currents)) {
		// An interval log or a capacity result has no byte counts: a rate
		// of 0 there is not a measurement, and there is nothing to judge.
		d.Change = math.NaN()
		if !countsBytes(c.Bases) {
			d.Base = math.NaN()
		}
		if !countsBytes(c.Currents) {
			d.Current = math.NaN()
		}
		if d.HasLimit {
			c.notCompared = append(c.notCompared, m.Name)
		}
		return d
	}
	if !c.Several() {
		if d.HasLimit {
			d.Verdict = verdict(d, m.LowerIsBetter(), c.Floor)
		}
		return d
	}
	d.P = uTestP(cs, bs)
	d.Significant = d.P < c.Level
	d.ChangeLow, d.ChangeHigh = changeCI(bs, cs, d.Base)
	d.Verdict = verdictRuns(d, m.LowerIsBetter(), c.Floor)
	return d
}

// countsBytes reports whether every run that measured round trips also
// counted the bytes it read.
func countsBytes(runs []*Run) bool {
	for _, r := range runs {
		if r.Merged == nil && r.Received > 0 && r.BytesReceived == 0 {
			return false
		}
	}
	return true
}

func valuesOf(m Metric, runs []*Run) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = m.Of(r)
	}
	return out
}

// changeCI returns the 95% confidence interval of the change from bs to cs
// in percent: from the shift of log values when all are above zero, else
// from the shift of the values relative to base (NaN when base is 0).
func changeCI(bs, cs []float64, base float64) (lo, hi float64) {
	if positive(bs) && positive(cs) {
		_, l, h := shiftCI(logsOf(cs), logsOf(bs), 0.95)
		return math.Expm1(l) * 100, math.Expm1(h) * 100
	}
	_, l, h := shiftCI(cs, bs, 0.95)
	if base == 0 {
		return math.NaN(), math.NaN()
	}
	return l / base * 100, h / base * 100
}

func positive(xs []float64) bool {
	for _, x := range xs {
		if !(x > 0) {
			return false
		}
	}
	return true
}

func logsOf(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

// verdictRuns judges a change measured over several runs a side.
func verdictRuns(d Delta, lowerIsBetter bool, floor time.Duration) Verdict {
	better := d.Current < d.Base
	if !lowerIsBetter {
		better = d.Current > d.Base
	}
	switch {
	case !d.Significant || d.Current == d.Base:
		return VerdictSame
	case better:
		return VerdictImproved
	case !d.HasLimit:
		return VerdictNone
	}
	return verdict(d, lowerIsBetter, floor)
}

// warnings says when the runs given cannot support the verdicts.
func (c *Comparison) warnings() []string {
	var out []string
	for _, name := range c.notCompared {
		out = append(out, fmt.Sprintf("%s has a limit but was not compared: a side holds no byte counts (an interval log or a capacity result)", name))
	}
	n1, n2 := len(c.Bases), len(c.Currents)
	if !c.Several() {
		return append(out, "one run a side cannot separate a change from noise: give several runs a side, or use gigadex ab")
	}
	if minUTestP(n1, n2) < c.Level {
		return out
	}
	need := 2
	for minUTestP(need, need) >= c.Level && need < 50 {
		need++
	}
	return append(out, fmt.Sprintf("with %d baseline and %d current runs no change can be significant at p < %.3g (alpha %g over %.0f limits): "+
		"nothing can be flagged; give at least %d runs a side", n1, n2, c.Level, c.Alpha, c.Alpha/c.Level, need))
}
