package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/table"
)

// compareSettings are the settings of a baseline comparison, shared by
// report compare and ab, bound to their flags by flags.
type compareSettings struct {
	limits     report.Limits // nil: the default for the number of runs
	floor      time.Duration
	alpha      float64
	markdown   bool
	thresholds []report.Threshold
}

func newCompareSettings() compareSettings { return compareSettings{alpha: report.DefaultAlpha} }

// flags binds --max-regress, --floor and --alpha; the commands bind
// --markdown and --threshold themselves (report's are shared with its
// other subcommands).
func (s *compareSettings) flags() []cli.Flag {
	maxRegress := valueFlag(&s.limits, "max-regress", parseLimits, nil,
		"largest allowed changes: `METRIC=PCT,...` (e.g. p50=5%,p99.99=20%,errors=0%), or none; a rise for latencies and errors, a drop for msgs_per_sec and bytes_per_sec")
	maxRegress.DefaultText = report.DefaultLimits + "; with several runs a side " + report.DefaultLimitsRuns
	return []cli.Flag{
		maxRegress,
		durFlag(&s.floor, nil, "floor", nil, rangeOf[time.Duration]{max: maxDuration}, "ignore latency changes smaller than this (e.g. 2us)"),
		valueFlag(&s.alpha, "alpha", parseAlpha, func(a float64) string { return strconv.FormatFloat(a, 'g', -1, 64) },
			"with several runs a side: the largest chance `A` that two sides measuring the same are flagged (Mann-Whitney U test, Bonferroni over the limits); above 0, below 1"),
	}
}

// parseAlpha reads a significance level: above 0 and below 1.
func parseAlpha(s string) (float64, error) {
	a, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(a > 0 && a < 1) {
		return 0, errors.New("want a number above 0 and below 1, such as 0.05")
	}
	return a, nil
}

// compareSide is one side of a comparison: its runs and where each came
// from.
type compareSide struct {
	runs  []*report.Run
	names []string
}

// compareAndReport compares cur against base, writes the table to w and
// the warnings to errw, hands the comparison to each of also (further
// outputs), and returns the exit error: exit 1 when a side measured
// nothing, exit 3 on a regression or a failed threshold.
func compareAndReport(w, errw io.Writer, name string, base, cur compareSide, s compareSettings, also ...func(report.Comparison) error) error {
	for _, side := range []compareSide{base, cur} {
		for i, r := range side.runs {
			if !r.Measured() {
				return cli.Exit(fmt.Sprintf("%s: %s measured nothing (no round trip recorded): there is nothing to compare", name, side.names[i]), exitRunError)
			}
		}
	}
	var diffs []string
	for _, r := range append(base.runs[1:], cur.runs...) {
		for _, d := range report.ModeDifferences(base.runs[0], r) {
			if !slices.Contains(diffs, d) {
				diffs = append(diffs, d)
			}
		}
	}
	if len(diffs) > 0 {
		fmt.Fprintf(errw, "warning: the baseline and the current results were run differently (%s): their figures may not be comparable\n",
			strings.Join(diffs, "; "))
	}
	limits := s.limits
	if limits == nil {
		def := report.DefaultLimits
		if len(base.runs) > 1 || len(cur.runs) > 1 {
			def = report.DefaultLimitsRuns
		}
		limits, _ = report.ParseLimits(def)
	}
	cmp := report.CompareRuns(base.runs, cur.runs, limits, report.WithFloor(s.floor), report.WithAlpha(s.alpha))
	for _, warn := range cmp.Warnings {
		fmt.Fprintln(errw, "warning:", warn)
	}
	write := table.WriteComparison
	if s.markdown {
		write = table.WriteComparisonMarkdown
	}
	if err := write(w, cmp); err != nil {
		return cli.Exit(fmt.Sprintf("%s: %v", name, err), exitRunError)
	}
	held := thresholdsHold(w, cur, s.thresholds)
	for _, fn := range also {
		if err := fn(cmp); err != nil {
			return err
		}
	}
	var failed []string
	for _, d := range cmp.Deltas {
		if d.Verdict == report.VerdictRegressed {
			failed = append(failed, fmt.Sprintf("%s %+.1f%% (limit %g%%)", d.Metric, d.Change, d.Limit))
		}
	}
	if !held {
		failed = append(failed, "thresholds not met")
	}
	if len(failed) > 0 {
		return cli.Exit(name+": regression: "+strings.Join(failed, ", "), exitRegression)
	}
	return nil
}

// thresholdsHold checks every current run against ths, prints the
// verdicts (named by run when there are several) and reports whether all
// held.
func thresholdsHold(w io.Writer, cur compareSide, ths []report.Threshold) bool {
	ok := true
	for i, r := range cur.runs {
		lines, pass := report.CheckThresholds(r, ths)
		ok = ok && pass
		for _, l := range lines {
			if len(cur.runs) > 1 {
				l = cur.names[i] + ": " + l
			}
			fmt.Fprintln(w, l)
		}
	}
	return ok
}
