package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/plot"
	"github.com/gigadex/gigadex/report/table"
)

// reportCommand works on saved results: RESULT.json files written by ping
// and flood, and HdrHistogram interval logs (.hlog).
var reportCommand = &cli.Command{
	Name:  "report",
	Usage: "re-print, convert, plot, merge and compare saved results",
	Description: "RESULT is a JSON result written by ping or flood, or an HdrHistogram interval log (.hlog);\n" +
		"a capacity result is printed whole by table and plot, and read as the step at its capacity by the others;\n" +
		"\"-\" reads a JSON result from stdin. Of a log, the untagged stream (all message types together) is read,\n" +
		"or with --tag TYPE the stream of that message type; a last line cut short is skipped with a warning.",
	Subcommands: []*cli.Command{
		reportTableCommand,
		reportHgrmCommand,
		reportHlogCommand,
		reportPlotCommand,
		reportMergeCommand,
		reportCompareCommand,
		reportHTMLCommand,
	},
}

var (
	reportOutputFlag = &cli.StringFlag{
		Name: "output", Aliases: []string{"o"},
		Usage: "write to `FILE` instead of stdout",
	}
	reportMarkdownFlag = &cli.BoolFlag{
		Name:  "markdown",
		Usage: "print Markdown tables (for CI job summaries)",
	}
	reportUnitFlag = &cli.StringFlag{
		Name: "unit", Value: "us",
		Usage: "`UNIT` of the values: ns, us, ms or s",
	}
	reportOverTimeFlag = &cli.BoolFlag{
		Name:  "over-time",
		Usage: "plot p50, p99 and max RTT of each second instead of the percentile distribution",
	}
	reportNameFlag = &cli.StringSliceFlag{
		Name:  "name",
		Usage: "legend `NAME` of each RESULT, in order (default: file names)",
	}
	reportBaselineFlag = &cli.StringFlag{
		Name:  "baseline",
		Usage: "baseline result `FILE` (required)",
	}
	reportMaxRegressFlag = &cli.StringFlag{
		Name: "max-regress", Value: report.DefaultLimits,
		Usage: "largest allowed changes: `METRIC=PCT,...` (e.g. p50=5%,p99.99=20%,errors=0%), or none; a rise for latencies and errors, a drop for msgs_per_sec and bytes_per_sec",
	}
	reportFloorFlag = &cli.DurationFlag{
		Name:  "floor",
		Usage: "ignore latency changes smaller than `DURATION` (e.g. 2us)",
	}
	reportTagFlag = &cli.StringFlag{
		Name:  "tag",
		Usage: "read only message type `TAG` (e.g. order): of a .hlog its tagged stream instead of the untagged one (all types together), of a JSON result its per-second histograms of that type",
	}
	reportThresholdFlag = &cli.StringSliceFlag{
		Name:  "threshold",
		Usage: "absolute bound on the current result, e.g. p99.9<50us, msgs_per_sec>100000 or error_rate<0.1% (repeatable)",
	}
)

var reportTableCommand = &cli.Command{
	Name:         "table",
	Usage:        "print a saved result as tables",
	ArgsUsage:    "RESULT",
	Flags:        []cli.Flag{reportMarkdownFlag, reportTagFlag},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, args []string) error {
		if len(args) != 1 {
			return usagef("report table: want one RESULT, got %d arguments", len(args))
		}
		in, err := reportReadInput(c, args[0])
		if err != nil {
			return reportFail("table", err)
		}
		if in.capacity != nil {
			var rend tw.Renderer = renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})
			if c.Bool("markdown") {
				rend = renderer.NewMarkdown()
			}
			return reportFail("table", writeCapacityTableWith(c.App.Writer, in.capacity, rend))
		}
		r := in.run
		write := table.Write
		if c.Bool("markdown") {
			write = table.WriteMarkdown
		}
		return reportFail("table", write(c.App.Writer, r))
	}),
}

var reportHgrmCommand = &cli.Command{
	Name:         "hgrm",
	Usage:        "write the RTT percentile spectrum (.hgrm) that HdrHistogram's plotter reads",
	ArgsUsage:    "RESULT",
	Flags:        []cli.Flag{reportOutputFlag, reportUnitFlag, reportTagFlag},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, args []string) error {
		r, err := reportOneInput(c, "hgrm", args)
		if err != nil {
			return err
		}
		unit, ok := reportUnits[c.String("unit")]
		if !ok {
			return usagef("report hgrm: --unit %q: want ns, us, ms or s", c.String("unit"))
		}
		return reportWrite(c, "hgrm", func(w io.Writer) error {
			return report.WriteHistogramPercentiles(w, r.RTT, unit)
		})
	}),
}

var reportUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
}

var reportHlogCommand = &cli.Command{
	Name:         "hlog",
	Usage:        "write the per-second RTT histograms of a result as an HdrHistogram interval log",
	ArgsUsage:    "RESULT",
	Flags:        []cli.Flag{reportOutputFlag, reportTagFlag},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, args []string) error {
		r, err := reportOneInput(c, "hlog", args)
		if err != nil {
			return err
		}
		return reportWrite(c, "hlog", func(w io.Writer) error { return report.WriteHistogramLog(w, r) })
	}),
}

var reportPlotCommand = &cli.Command{
	Name:      "plot",
	Usage:     "plot RTT percentiles of results, overlaid, or RTT over time with --over-time; a capacity result as RTT against throughput",
	ArgsUsage: "RESULT...",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "image `FILE`: .png or .svg (required)"},
		reportOverTimeFlag, reportNameFlag, reportTagFlag,
	},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, paths []string) error {
		if len(paths) == 0 {
			return usagef("report plot: need at least one RESULT")
		}
		out := c.String("output")
		if out == "" {
			return usagef("report plot: need -o FILE.png or -o FILE.svg")
		}
		if ext := strings.ToLower(filepath.Ext(out)); ext != ".png" && ext != ".svg" {
			return usagef("report plot: -o %s: want a .png or .svg file name", out)
		}
		ins, err := reportReadInputs(c, "plot", paths)
		if err != nil {
			return err
		}
		if done, err := reportPlotCapacity(c, ins, out); done {
			return err
		}
		runs := make([]*report.Run, len(ins))
		for i, in := range ins {
			runs[i] = in.run
		}
		if c.Bool("over-time") {
			var ivs []report.Interval
			for _, r := range runs {
				ivs = append(ivs, r.Intervals...)
			}
			if len(ivs) == 0 {
				return cli.Exit("report plot: the inputs have no per-second intervals", exitRunError)
			}
			return reportFail("plot", plot.OverTime(out, ivs))
		}
		return reportFail("plot", plot.Percentiles(out, runs, reportNames(c, paths)))
	}),
}

var reportMergeCommand = &cli.Command{
	Name:  "merge",
	Usage: "merge results measured at the same time (e.g. by several clients) into one",
	Description: "Histograms are added exactly and counters summed. The merged window is the overlap of the\n" +
		"inputs' measured windows (inputs that do not overlap are refused), and each rate is the sum of the\n" +
		"inputs' rates. Tags that all inputs share are kept. The same run given twice is refused.\n" +
		"With -o FILE.hlog the merged per-second histograms are written as an interval log, otherwise as JSON.",
	ArgsUsage:    "RESULT...",
	Flags:        []cli.Flag{reportOutputFlag, reportTagFlag},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, paths []string) error {
		if len(paths) == 0 {
			return usagef("report merge: need at least one RESULT")
		}
		runs, err := reportReadAll(c, "merge", paths)
		if err != nil {
			return err
		}
		m, err := report.Merge(runs...)
		var dup *report.DuplicateRunError
		if errors.As(err, &dup) {
			return reportFail("merge", fmt.Errorf("%s and %s are the same run (same start, counters and histogram): give each run once",
				paths[dup.First], paths[dup.Second]))
		}
		if err != nil {
			return reportFail("merge", err)
		}
		write := report.WriteJSON
		if strings.EqualFold(filepath.Ext(c.String("output")), ".hlog") {
			write = report.WriteHistogramLog
		}
		return reportWrite(c, "merge", func(w io.Writer) error { return write(w, m) })
	}),
}

var reportCompareCommand = &cli.Command{
	Name:  "compare",
	Usage: "compare a result against a baseline; exit 3 on a regression",
	Description: "Latency metrics (any percentile such as p50 or p99.999, max, mean) regress when they rise by more than\n" +
		"their limit and by more than --floor; errors and error_rate when they rise by more than theirs;\n" +
		"msgs_per_sec and bytes_per_sec when they drop by more than theirs. A result that measured nothing is an error.\n" +
		"A warning on stderr names what differs when the two were run differently (command, loop, rate, connections, mix).",
	ArgsUsage: "--baseline BASE CURRENT",
	Flags: []cli.Flag{
		reportBaselineFlag, reportMaxRegressFlag, reportFloorFlag, reportMarkdownFlag, reportThresholdFlag, reportTagFlag,
	},
	OnUsageError: reportUsageError,
	Action:       reportAction(reportCompare),
}

func reportCompare(c *cli.Context, args []string) error {
	if len(args) != 1 {
		return usagef("report compare: want one CURRENT result, got %d arguments", len(args))
	}
	if c.String("baseline") == "" {
		return usagef("report compare: need --baseline FILE")
	}
	limits, err := report.ParseLimits(c.String("max-regress"))
	if err != nil {
		return usagef("report compare: --max-regress %s", exprReason(err))
	}
	var ths []report.Threshold
	for _, s := range c.StringSlice("threshold") {
		th, err := report.ParseThreshold(s)
		if err != nil {
			return usagef("report compare: --threshold %s", exprReason(err))
		}
		ths = append(ths, th)
	}
	base, err := reportRead(c, c.String("baseline"))
	if err != nil {
		return reportFail("compare", err)
	}
	cur, err := reportRead(c, args[0])
	if err != nil {
		return reportFail("compare", err)
	}
	for _, r := range []struct {
		path string
		run  *report.Run
	}{{c.String("baseline"), base}, {args[0], cur}} {
		if !r.run.Measured() {
			return reportFail("compare", fmt.Errorf("%s measured nothing (no round trip recorded): there is nothing to compare", r.path))
		}
	}
	if diffs := report.ModeDifferences(base, cur); len(diffs) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "warning: the baseline and the current result were run differently (%s): their figures may not be comparable\n",
			strings.Join(diffs, "; "))
	}
	cmp := report.Compare(base, cur, limits, c.Duration("floor"))
	write := table.WriteComparison
	if c.Bool("markdown") {
		write = table.WriteComparisonMarkdown
	}
	if err := write(c.App.Writer, cmp); err != nil {
		return reportFail("compare", err)
	}
	lines, ok := report.CheckThresholds(cur, ths)
	for _, l := range lines {
		fmt.Fprintln(c.App.Writer, l)
	}
	var failed []string
	for _, d := range cmp.Deltas {
		if d.Verdict == report.VerdictRegressed {
			failed = append(failed, fmt.Sprintf("%s %+.1f%% (limit %g%%)", d.Metric, d.Change, d.Limit))
		}
	}
	if !ok {
		failed = append(failed, "thresholds not met")
	}
	if len(failed) > 0 {
		return cli.Exit("report compare: regression: "+strings.Join(failed, ", "), exitRegression)
	}
	return nil
}

// exprReason formats a refused threshold or limit as `"EXPR": REASON`.
func exprReason(err error) string {
	if ee, ok := errors.AsType[*report.ExprError](err); ok {
		return fmt.Sprintf("%q: %s", ee.Expr, ee.Reason)
	}
	return err.Error()
}

// reportAction lets flags follow the arguments, as in
// "report merge a.json b.json -o merged.json": urfave/cli stops parsing
// flags at the first argument, so reportAction sets the flags it finds
// among the arguments and passes the rest on. "--" ends the flags.
func reportAction(fn func(c *cli.Context, args []string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		args, err := reportSplitArgs(c)
		if err != nil {
			return usagef("report %s: %v", c.Command.Name, err)
		}
		if c.IsSet("output") {
			if err := checkOutput("--output", c.String("output")); err != nil {
				return err
			}
		}
		return fn(c, args)
	}
}

func reportSplitArgs(c *cli.Context) ([]string, error) {
	in := c.Args().Slice()
	var args []string
	for i := 0; i < len(in); i++ {
		a := in[i]
		if a == "--" {
			return append(args, in[i+1:]...), nil
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			args = append(args, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := reportFindFlag(c.Command.Flags, name)
		if f == nil {
			return nil, fmt.Errorf("flag provided but not defined: %s", a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(in) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value = in[i]
		}
		if err := c.Set(f.Names()[0], value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag %s: %v", value, a, err)
		}
	}
	return args, nil
}

func reportFindFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func reportUsageError(_ *cli.Context, err error, _ bool) error {
	return cli.Exit(err.Error(), exitUsage)
}

// reportFail turns an error of subcommand name into a one-line exit error.
func reportFail(name string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errInputInterrupted) {
		return inputFail("report "+name, err)
	}
	return cli.Exit(fmt.Sprintf("report %s: %v", name, strings.TrimPrefix(err.Error(), "report: ")), exitRunError)
}

func reportOneInput(c *cli.Context, name string, args []string) (*report.Run, error) {
	if len(args) != 1 {
		return nil, usagef("report %s: want one RESULT, got %d arguments", name, len(args))
	}
	r, err := reportRead(c, args[0])
	return r, reportFail(name, err)
}

func reportReadAll(c *cli.Context, name string, paths []string) ([]*report.Run, error) {
	runs := make([]*report.Run, 0, len(paths))
	for _, p := range paths {
		r, err := reportRead(c, p)
		if err != nil {
			return nil, reportFail(name, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func reportReadInputs(c *cli.Context, name string, paths []string) ([]reportInput, error) {
	ins := make([]reportInput, 0, len(paths))
	for _, p := range paths {
		in, err := reportReadInput(c, p)
		if err != nil {
			return nil, reportFail(name, err)
		}
		ins = append(ins, in)
	}
	return ins, nil
}

// reportInput is one RESULT given to report: a run (ping, flood, merged,
// or read from an interval log) or a capacity search.
type reportInput struct {
	path     string
	run      *report.Run      // nil for a capacity search
	capacity *capacity.Result // nil for a run
}

// reportRead reads a run: a JSON result, an interval log (.hlog), or a
// JSON result from stdin ("-"). A capacity result stands for the step at
// its capacity (see [capacity.Result.RunAtCapacity]).
func reportRead(c *cli.Context, path string) (*report.Run, error) {
	in, err := reportReadInput(c, path)
	if err != nil || in.run != nil {
		return in.run, err
	}
	if r := in.capacity.RunAtCapacity(); r != nil {
		return r, nil
	}
	return nil, fmt.Errorf("%s: a capacity result in which no step passed has no figures at its capacity (%s)", path, in.capacity.Line())
}

// reportReadInput reads a JSON result or a capacity result (told apart by
// their "schema"), an interval log (.hlog), or either JSON document from
// stdin ("-").
func reportReadInput(c *cli.Context, path string) (reportInput, error) {
	in := reportInput{path: path}
	var data []byte
	var err error
	switch {
	case path == "-":
		data, err = io.ReadAll(interruptible(c.Context, c.App.Reader))
	case strings.EqualFold(filepath.Ext(path), ".hlog"):
		in.run, err = reportReadHlog(c, path)
	default:
		data, err = readInput(c.Context, path)
	}
	if err == nil && in.run == nil {
		var head struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal(data, &head) == nil && head.Schema == capacity.Schema {
			in.capacity, err = capacity.ReadJSON(bytes.NewReader(data))
		} else if in.run, err = report.ReadJSON(bytes.NewReader(data)); err == nil && c.String("tag") != "" {
			// One message type of a result: its per-second histograms.
			var ivs []report.Interval
			if ivs, err = report.SelectStream(in.run.Intervals, c.String("tag")); err == nil {
				in.run, err = report.FromIntervals(ivs)
			}
		}
	}
	var pathErr *fs.PathError
	if errors.Is(err, errInputInterrupted) {
		return in, errInputInterrupted
	}
	if err != nil && !errors.As(err, &pathErr) { // a PathError names the file already
		err = fmt.Errorf("%s: %s", path, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "report: "), "capacity: "))
	}
	return in, err
}

func reportReadHlog(c *cli.Context, path string) (*report.Run, error) {
	f, err := openInput(c.Context, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	warn := report.WithWarnings(func(msg string) { fmt.Fprintf(c.App.ErrWriter, "warning: %s: %s\n", path, msg) })
	ivs, err := report.ReadHistogramLog(f, warn)
	if err == nil {
		ivs, err = report.SelectStream(ivs, c.String("tag"))
	}
	if err != nil {
		return nil, err
	}
	return report.FromIntervals(ivs)
}

// reportWrite runs write against the --output file, or stdout. A regular
// file is replaced atomically once the output is complete; a FIFO or a
// device is written in place.
func reportWrite(c *cli.Context, name string, write func(io.Writer) error) error {
	out := c.String("output")
	if out == "" || out == "-" {
		return reportFail(name, write(c.App.Writer))
	}
	return reportFail(name, writeOutput(c, out, write))
}
