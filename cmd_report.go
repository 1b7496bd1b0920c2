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
	"github.com/gigadex/gigadex/internal/outfile"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/plot"
	"github.com/gigadex/gigadex/report/table"
)

// reportOptions are the settings of the report subcommands, bound to
// their flags (each subcommand binds those it has).
type reportOptions struct {
	output, tag        string
	markdown, overTime bool
	unit               time.Duration
	names              []string
	baselines          []string
	cmp                compareSettings
	title              string
	junit              string // report compare --junit FILE
	spectrum           bool   // report csv --spectrum
}

// newReportCommand works on saved results: RESULT.json files written by
// ping and flood, and HdrHistogram interval logs (.hlog).
func newReportCommand() *cli.Command {
	o := &reportOptions{unit: time.Microsecond, cmp: newCompareSettings()}
	return &cli.Command{
		Name:  "report",
		Usage: "re-print, convert, plot, merge and compare saved results",
		Description: "RESULT is a JSON result written by ping or flood, or an HdrHistogram interval log (.hlog);\n" +
			"a capacity result is printed whole by table and plot, and read as the step at its capacity by the others;\n" +
			"\"-\" reads a JSON result from stdin. Of a log, the untagged stream (all message types together) is read,\n" +
			"or with --tag TYPE the stream of that message type; a last line cut short is skipped with a warning.",
		Subcommands: []*cli.Command{
			o.tableCommand(),
			o.hgrmCommand(),
			o.hlogCommand(),
			o.plotCommand(),
			o.mergeCommand(),
			o.compareCommand(),
			o.htmlCommand(),
			o.junitCommand(),
			o.csvCommand(),
		},
	}
}

func (o *reportOptions) outputFlag() *cli.StringFlag {
	return stringFlag(&o.output, "output", []string{"o"}, "write to `FILE` instead of stdout")
}

func (o *reportOptions) markdownFlag() *cli.BoolFlag {
	return boolFlag(&o.markdown, "markdown", nil, "print Markdown tables (for CI job summaries)")
}

func (o *reportOptions) nameFlag() *cli.GenericFlag {
	return listFlag(&o.names, "name", func(s string) (string, error) { return s, nil }, "legend `NAME` of each RESULT, in order (default: file names)")
}

func (o *reportOptions) tagFlag() *cli.StringFlag {
	return stringFlag(&o.tag, "tag", nil, "read only message type `TAG` (e.g. order): of a .hlog its tagged stream instead of the untagged one (all types together), of a JSON result its per-second histograms of that type")
}

func (o *reportOptions) tableCommand() *cli.Command {
	return &cli.Command{
		Name:      "table",
		Usage:     "print a saved result as tables",
		ArgsUsage: "RESULT",
		Flags:     []cli.Flag{o.markdownFlag(), o.tagFlag()},
		Action: o.action(func(c *cli.Context, args []string) error {
			if len(args) != 1 {
				return usagef("report table: want one RESULT, got %d arguments", len(args))
			}
			in, err := o.readInput(c, args[0])
			if err != nil {
				return reportFail("table", err)
			}
			if in.capacity != nil {
				var rend tw.Renderer = renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})
				if o.markdown {
					rend = renderer.NewMarkdown()
				}
				return reportFail("table", writeCapacityTableWith(c.App.Writer, in.capacity, rend))
			}
			r := in.run
			write := table.Write
			if o.markdown {
				write = table.WriteMarkdown
			}
			return reportFail("table", write(c.App.Writer, r))
		}),
	}
}

func (o *reportOptions) hgrmCommand() *cli.Command {
	return &cli.Command{
		Name:      "hgrm",
		Usage:     "write the RTT percentile spectrum (.hgrm) that HdrHistogram's plotter reads",
		ArgsUsage: "RESULT",
		Flags:     []cli.Flag{o.outputFlag(), o.unitFlag(), o.tagFlag()},
		Action: o.action(func(c *cli.Context, args []string) error {
			r, err := o.oneInput(c, "hgrm", args)
			if err != nil {
				return err
			}
			return o.write(c, "hgrm", func(w io.Writer) error {
				return report.WriteHistogramPercentiles(w, r.RTT, o.unit)
			})
		}),
	}
}

func (o *reportOptions) unitFlag() *cli.GenericFlag {
	f := valueFlag(&o.unit, "unit", func(s string) (time.Duration, error) {
		if u, ok := reportUnits[s]; ok {
			return u, nil
		}
		return 0, fmt.Errorf("want ns, us, ms or s")
	}, nil, "`UNIT` of the values: ns, us, ms or s")
	f.DefaultText = "us"
	return f
}

var reportUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
}

func (o *reportOptions) hlogCommand() *cli.Command {
	return &cli.Command{
		Name:      "hlog",
		Usage:     "write the per-second RTT histograms of a result as an HdrHistogram interval log",
		ArgsUsage: "RESULT",
		Flags:     []cli.Flag{o.outputFlag(), o.tagFlag()},
		Action: o.action(func(c *cli.Context, args []string) error {
			r, err := o.oneInput(c, "hlog", args)
			if err != nil {
				return err
			}
			return o.write(c, "hlog", func(w io.Writer) error { return report.WriteHistogramLog(w, r) })
		}),
	}
}

func (o *reportOptions) plotCommand() *cli.Command {
	return &cli.Command{
		Name:      "plot",
		Usage:     "plot RTT percentiles of results, overlaid, or RTT over time with --over-time; a capacity result as RTT against throughput",
		ArgsUsage: "RESULT...",
		Flags: []cli.Flag{
			stringFlag(&o.output, "output", []string{"o"}, "image `FILE`: .png or .svg (required)"),
			boolFlag(&o.overTime, "over-time", nil, "plot p50, p99 and max RTT of each second instead of the percentile distribution"),
			o.nameFlag(),
			o.tagFlag(),
		},
		Action: o.action(func(c *cli.Context, paths []string) error {
			if len(paths) == 0 {
				return usagef("report plot: need at least one RESULT")
			}
			out := o.output
			if out == "" {
				return usagef("report plot: need -o FILE.png or -o FILE.svg")
			}
			if ext := strings.ToLower(filepath.Ext(out)); ext != ".png" && ext != ".svg" {
				return usagef("report plot: -o %s: want a .png or .svg file name", out)
			}
			ins, err := o.readInputs(c, "plot", paths)
			if err != nil {
				return err
			}
			if done, err := reportPlotCapacity(c, ins, out, o.overTime); done {
				return err
			}
			runs := make([]*report.Run, len(ins))
			for i, in := range ins {
				runs[i] = in.run
			}
			if o.overTime {
				var ivs []report.Interval
				for _, r := range runs {
					ivs = append(ivs, r.Intervals...)
				}
				if len(ivs) == 0 {
					return cli.Exit("report plot: the inputs have no per-second intervals", exitRunError)
				}
				return reportFail("plot", plot.OverTime(out, ivs))
			}
			return reportFail("plot", plot.Percentiles(out, runs, o.legend(paths)))
		}),
	}
}

func (o *reportOptions) mergeCommand() *cli.Command {
	return &cli.Command{
		Name:  "merge",
		Usage: "merge results measured at the same time (e.g. by several clients) into one",
		Description: "Histograms are added exactly and counters summed. The merged window is the overlap of the\n" +
			"inputs' measured windows (inputs that do not overlap are refused), and each rate is the sum of the\n" +
			"inputs' rates. Tags that all inputs share are kept. The same run given twice is refused.\n" +
			"With -o FILE.hlog the merged per-second histograms are written as an interval log, otherwise as JSON.",
		ArgsUsage: "RESULT...",
		Flags:     []cli.Flag{o.outputFlag(), o.tagFlag()},
		Action: o.action(func(c *cli.Context, paths []string) error {
			if len(paths) == 0 {
				return usagef("report merge: need at least one RESULT")
			}
			runs, err := o.readAll(c, "merge", paths)
			if err != nil {
				return err
			}
			m, err := report.Merge(runs...)
			var dup *report.DuplicateRunError
			if errors.As(err, &dup) {
				// The same run twice is how the command was called: a
				// usage error, like any other wrong argument.
				return usagef("report merge: %s and %s are the same run (same start, counters and histogram): give each run once",
					paths[dup.First], paths[dup.Second])
			}
			if err != nil {
				return reportFail("merge", err)
			}
			write := report.WriteJSON
			if strings.EqualFold(filepath.Ext(o.output), ".hlog") {
				write = report.WriteHistogramLog
			}
			return o.write(c, "merge", func(w io.Writer) error { return write(w, m) })
		}),
	}
}

func (o *reportOptions) compareCommand() *cli.Command {
	return &cli.Command{
		Name:  "compare",
		Usage: "compare results against a baseline, one run or several a side; exit 3 on a regression",
		Description: "Latency metrics (any percentile such as p50 or p99.999, max, mean) regress when they rise by more than\n" +
			"their limit and by more than --floor; errors and error_rate when they rise by more than theirs;\n" +
			"msgs_per_sec and bytes_per_sec when they drop by more than theirs. A result that measured nothing is an error.\n" +
			"A warning on stderr names what differs when the two were run differently (command, loop, rate, connections, mix).\n" +
			"With several runs a side, each metric's medians are compared: the change comes with a 95% confidence interval and\n" +
			"the p-value of a Mann-Whitney U test, and a metric regresses only when its change is beyond its limit and significant\n" +
			"(p below --alpha divided by the number of limits); otherwise the verdict is ~ or improved. One run a side cannot\n" +
			"separate a change from noise: a warning says so. gigadex ab measures both sides in alternation.",
		ArgsUsage: "--baseline BASE [--baseline BASE2 ...] CURRENT [CURRENT2 ...]",
		Flags: append([]cli.Flag{
			listFlag(&o.baselines, "baseline", func(s string) (string, error) { return s, nil }, "baseline result `FILE` (required; repeat it for several runs)"),
			o.markdownFlag(),
			thresholdFlag(&o.cmp.thresholds, "absolute bound on each current result, `EXPR` such as p99.9<50us, msgs_per_sec>100000 or error_rate<0.1% (repeatable)"),
			o.tagFlag(),
			o.junitFlag(),
		}, o.cmp.flags()...),
		Action: o.action(o.compare),
	}
}

func (o *reportOptions) compare(c *cli.Context, args []string) error {
	if len(args) == 0 {
		return usagef("report compare: want at least one CURRENT result")
	}
	if len(o.baselines) == 0 {
		return usagef("report compare: need --baseline FILE")
	}
	var sides [2]compareSide
	for i, paths := range [2][]string{o.baselines, args} {
		for _, p := range paths {
			r, err := o.read(c, p)
			if err != nil {
				return reportFail("compare", err)
			}
			sides[i].runs, sides[i].names = append(sides[i].runs, r), append(sides[i].names, p)
		}
	}
	s := o.cmp
	s.markdown = o.markdown
	junit := func(cmp report.Comparison) error { return o.writeCompareJUnit(c, o.legend(args), cmp, sides[1]) }
	return compareAndReport(c.App.Writer, c.App.ErrWriter, "report compare", sides[0], sides[1], s, junit)
}

// action lets flags follow the arguments, as in
// "report merge a.json b.json -o merged.json": urfave/cli stops parsing
// flags at the first argument, so action sets the flags it finds among the
// arguments (scanFlags, the same reading as every usage error) and passes
// the rest on. "--" ends the flags.
func (o *reportOptions) action(fn func(c *cli.Context, args []string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		args, err := scanFlags(c.Command.Flags, c.Args().Slice(), c.Set)
		if err != nil {
			return err
		}
		if err := checkOutput("--output", o.output); err != nil {
			return err
		}
		if err := o.checkNotInput(c, args); err != nil {
			return err
		}
		return fn(c, args)
	}
}

// checkNotInput refuses an output (--output, or report compare's --junit)
// that is one of the inputs, the arguments or a --baseline (report merge
// a.json b.json -o a.json): the output would replace what it is made of.
// Files are compared by device and inode.
func (o *reportOptions) checkNotInput(c *cli.Context, inputs []string) error {
	inputs = append(inputs[:len(inputs):len(inputs)], o.baselines...)
	for _, out := range [][2]string{{"--output", o.output}, {"--junit", o.junit}} {
		if out[1] == "" || out[1] == "-" {
			continue
		}
		for _, in := range inputs {
			if in != "-" && outfile.Same(out[1], in) {
				return usagef("report %s: %s %q is the same file as the input %q: write the result elsewhere", c.Command.Name, out[0], out[1], in)
			}
		}
	}
	return nil
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

func (o *reportOptions) oneInput(c *cli.Context, name string, args []string) (*report.Run, error) {
	if len(args) != 1 {
		return nil, usagef("report %s: want one RESULT, got %d arguments", name, len(args))
	}
	r, err := o.read(c, args[0])
	return r, reportFail(name, err)
}

func (o *reportOptions) readAll(c *cli.Context, name string, paths []string) ([]*report.Run, error) {
	ins, err := o.readInputs(c, name, paths)
	if err != nil {
		return nil, err
	}
	runs := make([]*report.Run, len(ins))
	for i, in := range ins {
		if runs[i], err = in.asRun(); err != nil {
			return nil, reportFail(name, err)
		}
	}
	return runs, nil
}

func (o *reportOptions) readInputs(c *cli.Context, name string, paths []string) ([]reportInput, error) {
	ins := make([]reportInput, 0, len(paths))
	for _, p := range paths {
		in, err := o.readInput(c, p)
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

// read reads a run: a JSON result, an interval log (.hlog), or a JSON
// result from stdin ("-"). A capacity result stands for the step at its
// capacity (see [reportInput.asRun]).
func (o *reportOptions) read(c *cli.Context, path string) (*report.Run, error) {
	in, err := o.readInput(c, path)
	if err != nil {
		return nil, err
	}
	return in.asRun()
}

// asRun returns the run of in; of a capacity search, the step at its
// capacity (see [capacity.Result.RunAtCapacity]), or an error when no step
// passed.
func (in reportInput) asRun() (*report.Run, error) {
	if in.run != nil {
		return in.run, nil
	}
	if r := in.capacity.RunAtCapacity(); r != nil {
		return r, nil
	}
	return nil, fmt.Errorf("%s: a capacity result in which no step passed has no figures at its capacity (%s)", in.path, in.capacity.Line())
}

// reportReadInput reads a JSON result or a capacity result (told apart by
// their "schema"), an interval log (.hlog), or either JSON document from
// stdin ("-").
func (o *reportOptions) readInput(c *cli.Context, path string) (reportInput, error) {
	in := reportInput{path: path}
	var data []byte
	var err error
	switch {
	case path == "-":
		data, err = io.ReadAll(interruptible(c.Context, c.App.Reader))
	case strings.EqualFold(filepath.Ext(path), ".hlog"):
		in.run, err = o.readHlog(c, path)
	default:
		data, err = readInput(c.Context, path)
	}
	if err == nil && in.run == nil {
		var head struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal(data, &head) == nil && head.Schema == capacity.Schema {
			in.capacity, err = capacity.ReadJSON(bytes.NewReader(data))
		} else if in.run, err = report.ReadJSON(bytes.NewReader(data)); err == nil && o.tag != "" {
			// One message type of a result: its per-second histograms.
			in.run, err = report.StreamOf(in.run, o.tag)
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

func (o *reportOptions) readHlog(c *cli.Context, path string) (*report.Run, error) {
	f, err := openInput(c.Context, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	warn := report.WithWarnings(func(msg string) { fmt.Fprintf(c.App.ErrWriter, "warning: %s: %s\n", path, msg) })
	var title string
	ivs, err := report.ReadHistogramLog(f, warn, report.WithTitle(func(t string) { title = t }))
	if err == nil {
		ivs, err = report.SelectStream(ivs, o.tag)
	}
	if err != nil {
		return nil, err
	}
	r, err := report.FromIntervals(ivs)
	if err != nil {
		return nil, err
	}
	// A log gigadex wrote names the run that made it.
	if h, ok := report.ParseLogTitle(title); ok {
		h.Apply(r)
	}
	r.Stream = o.tag
	return r, nil
}

// reportWrite runs write against the --output file, or stdout. A regular
// file is replaced atomically once the output is complete; a FIFO or a
// device is written in place.
func (o *reportOptions) write(c *cli.Context, name string, write func(io.Writer) error) error {
	out := o.output
	if out == "" || out == "-" {
		return reportFail(name, write(c.App.Writer))
	}
	return reportFail(name, writeOutput(c, out, write))
}
