package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/prom"
	"github.com/gigadex/gigadex/report"
)

// newCapacityCommand returns the capacity command with fresh flags.
func newCapacityCommand() *cli.Command {
	o := &capacityOptions{clientOptions: newClientOptions(1), mix: mustMix(defaultMix),
		step: capacity.DefaultStep, warmup: capacity.DefaultWarmup, start: 10e3, max: 10e6, precision: 0.02}
	return &cli.Command{
		Name:  "capacity",
		Usage: "find the highest message rate the peer sustains while its latency meets an SLO",
		UsageText: "gigadex capacity --slo 'p99<50us,p99.9<200us' [--addr HOST:PORT] [--conns N] [--mix ...] [--reply echo|exchange]\n" +
			"   [--step 5s] [--start 10k] [--max 10M] [--precision 2%] [--min-rate R] [--json] [-o FILE] [--hlog FILE]\n" +
			"   with no --addr, an in-process echo server on 127.0.0.1 is used",
		Description: "Each step runs open loop at one target rate for --step after --warmup, with latency measured from each\n" +
			"message's scheduled send time (corrected for coordinated omission), as ping --rate does. The rate doubles\n" +
			"from --start while steps pass, until the SLO breaks, errors appear or --max passes (if the SLO already breaks\n" +
			"at --start, it halves down to --floor until a step passes); then the search bisects\n" +
			"between the last passing and the first failing rate until they are within --precision. The capacity is the\n" +
			"highest target rate that passed. A step passes when every SLO term holds and at least 95% of the target\n" +
			"rate was sent.\n\n" +
			"If the generator falls short of a target (below 95%), or a step breaks the SLO only when latency is taken\n" +
			"from the schedule and the generator's worst send lag exceeds the broken bound, while the latency from the\n" +
			"actual sends still meets the SLO, the generator is the limit: the search stops and says what to change\n" +
			"(more connections, a larger --window, more generator machines).\n\n" +
			"Output: a table of every step and the verdict line\n" +
			"   capacity: 412.0 k msgs/s at p99 41.20 µs (SLO p99<50us, p99.9<200us)\n" +
			"--json prints one document of schema gigadex.capacity/v1 instead (the table goes to stderr).\n" +
			"gigadex report plot RESULT.json -o FILE.png draws latency against throughput, with the SLO and the capacity.\n\n" +
			"Exit codes: 0 the search ended (also when the SLO fails even at --floor: the capacity is then below\n" +
			"--floor, which the verdict says); 1 run error (the peer cannot be reached, errors at --start, the generator\n" +
			"could not offer even --start, or it was the limit below --min-rate); 2 usage; 3 the capacity is below --min-rate; 130 interrupted (the steps done\n" +
			"and the best passing rate are printed).",
		Flags: append(append(o.clientOptions.flags(),
			valueFlag(&o.slo, "slo", parseSLO, nil, "latency objective, all terms must hold: `TERMS` such as 'p99<50us,p99.9<200us' (p50 p90 p99 p99.9 p99.99 max mean; < or <=)"),
			mixFlag(&o.mix),
			durFlag(&o.step, nil, "step", nil, rangeOf[time.Duration]{min: 10 * time.Millisecond, max: maxDuration}, "measured length of each step"),
			durFlag(&o.warmup, nil, "warmup", nil, rangeOf[time.Duration]{min: time.Millisecond, max: maxWarmup, zeroMeans: "none"}, "warmup at the step's rate before each step, outside its measurement"),
			valueFlag(&o.start, "start", parsePositiveRate, capacity.FormatRate, "first target `RATE`, msgs/s (10k, 1.5M)"),
			valueFlag(&o.max, "max", parsePositiveRate, capacity.FormatRate, "highest target `RATE`, msgs/s"),
			valueFlag(&o.precision, "precision", parsePrecision, func(p float64) string { return strconv.FormatFloat(100*p, 'g', -1, 64) + "%" },
				"stop bisecting when the failing rate is within `PCT` of the passing one"),
			valueFlag(&o.minRate, "min-rate", parsePositiveRate, nil, "exit 3 when the capacity found is below `RATE` msgs/s (a CI gate)"),
			windowFlag(&o.window, 1, "automatic: sized for each rate, so that only a peer far outside the SLO fills it", "messages in flight allowed per connection"),
			o.jsonFlag("print the result as one JSON document (gigadex.capacity/v1) on stdout; the table goes to stderr"),
			o.outFlag("also write the JSON result to `FILE`"),
			fileFlag(&o.hlog, "hlog", nil, "write an HdrHistogram interval log to `FILE`: per-second histograms, one tag per step (step3_40000 is step 3 at 40000 msgs/s)"),
			o.junitFlag("write the verdict, each SLO term at the capacity and --min-rate as JUnit XML test cases to `FILE`"),
			o.quietFlag("no step lines while searching and no table: only the verdict line (with --json, only the JSON)"),
			valueFlag(&o.floor, "floor", parsePositiveRate, nil,
				"when the SLO fails at --start, halve the rate down to this `RATE`, msgs/s, for a capacity below --start (default: --start/64, at least one per connection)"),
			tagFlag(&o.tags),
			startAtFlag(&o.startAt),
			boolFlag(&o.progress, "progress", nil, "print a progress line every second of each step on stderr"),
		), o.metrics.flags()...),
		Action: func(c *cli.Context) error { return runCapacity(c, o) },
	}
}

// capacityOptions are the settings of capacity, bound to its flags.
type capacityOptions struct {
	clientOptions
	outputOptions
	slo                            capacity.SLO
	mix                            client.Mix
	step, warmup                   time.Duration
	start, max, precision, minRate float64
	window                         int64
	metrics                        metricsOptions
	floor                          float64
	tags                           map[string]string
	startAt                        time.Time
	progress                       bool
}

func parseSLO(s string) (capacity.SLO, error) {
	slo, err := capacity.ParseSLO(s)
	if err != nil {
		// The usage line quotes the whole value: drop the library's prefix,
		// and the value if the library quoted it whole.
		msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), capacity.ErrSLO.Error()))
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, strconv.Quote(s)), ":")
		return slo, errors.New(strings.TrimSpace(msg))
	}
	return slo, nil
}

// parsePositiveRate parses a rate in msgs/s: 2500, 10k, 1.5M, 2G.
func parsePositiveRate(s string) (float64, error) {
	v, err := parseSI(s)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("want a positive rate such as 2500, 10k or 1.5M")
	}
	return v, nil
}

// parsePrecision parses "2%" or 0.02.
func parsePrecision(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || !(v > 0) || v >= 1 {
		return 0, fmt.Errorf("want a percentage above 0 and below 100, such as 2%%")
	}
	return v, nil
}

// config checks what involves several flags and returns the search's
// configuration; every error is a usage error.
func (o *capacityOptions) config(c *cli.Context) (capacity.Config, error) {
	var cfg capacity.Config
	if c.NArg() > 0 {
		return cfg, usagef("capacity: unexpected argument %q", c.Args().First())
	}
	if len(o.slo) == 0 {
		return cfg, usagef("capacity: --slo is required, e.g. --slo 'p99<50us,p99.9<200us'")
	}
	if err := o.metrics.check(o.tags); err != nil {
		return cfg, err
	}
	if o.max < o.start {
		return cfg, usagef("--max %s is below --start %s", capacity.FormatRate(o.max), capacity.FormatRate(o.start))
	}
	if o.start < float64(o.conns) {
		return cfg, usagef("--start %s is below the number of connections (%d): each connection needs at least 1 msg/s", capacity.FormatRate(o.start), o.conns)
	}
	lc, err := o.clientOptions.config("capacity")
	if err != nil {
		return cfg, err
	}
	lc.Window, lc.Mix = int(o.window), o.mix
	o.outputOptions.stdout, _ = c.App.Writer.(*os.File)
	o.outputOptions.inputs = [][2]string{{"--messages", o.messagesFile}}
	if err := o.outputOptions.check(); err != nil {
		return cfg, err
	}
	cfg.SLO, cfg.Start, cfg.Max, cfg.Precision = o.slo, o.start, o.max, o.precision
	cfg.Floor = o.floor
	if cfg.Floor == 0 {
		cfg.Floor = max(o.start/64, float64(o.conns))
	}
	if cfg.Floor > o.start {
		return cfg, usagef("--floor %s is above --start %s", capacity.FormatRate(o.floor), capacity.FormatRate(o.start))
	}
	if cfg.Floor < float64(o.conns) {
		return cfg, usagef("--floor %s is below the number of connections (%d): each connection needs at least 1 msg/s", capacity.FormatRate(o.floor), o.conns)
	}
	cfg.Step, cfg.Warmup = o.step, o.warmup
	cfg.Load = lc
	return cfg, nil
}

func runCapacity(c *cli.Context, o *capacityOptions) error {
	cfg, err := o.config(c)
	if err != nil {
		return err
	}
	minRate := o.minRate
	stderr := c.App.ErrWriter
	quiet := o.quiet
	ctx := c.Context
	load := prom.NewLoad(o.tags)
	cols := []prometheus.Collector{load}
	if cfg.Load.Addr == "" {
		addr, stop, col, err := startInProcessEcho(c, cfg.Load.Reply, quiet, o.metrics.addr != "", o.tags)
		if err != nil {
			return err
		}
		defer stop()
		cfg.Load.Addr = addr
		if col != nil {
			cols = append(cols, col)
		}
	}
	ms, err := o.metrics.start(ctx, noteWriter(c, quiet), "capacity", cols...)
	if err != nil {
		return err
	}
	if ms != nil {
		cfg.Load.Observer = load
		defer ms.stop(ctx)
	}
	if err := waitStart(ctx, o.startAt); err != nil {
		return err
	}
	if o.progress && !quiet {
		cfg.Load.Progress = func(p report.Progress, n client.Counters) { printProgress(stderr, p, n) }
	}
	if !quiet {
		fmt.Fprintf(stderr, "capacity: SLO %s, %d connection(s), steps of %v after %v warmup, from %s to %s msgs/s, precision %g%%\n",
			cfg.SLO, cfg.Load.Conns, cfg.Step, cfg.Warmup, capacity.FormatRate(cfg.Start), capacity.FormatRate(cfg.Max), cfg.Precision*100)
		cfg.OnStep = func(s capacity.Step) { fmt.Fprintln(stderr, capacityStepLine(&s)) }
	}
	res, err := capacity.Measure(ctx, cfg)
	if res != nil {
		res.Tags = o.tags
	}
	if res == nil {
		if errors.Is(err, capacity.ErrConfig) || errors.Is(err, capacity.ErrSearch) {
			return usagef("%v", err)
		}
		return cli.Exit(fmt.Sprint(err)+flagHint(err), exitRunError)
	}
	if err != nil && len(res.Steps) == 0 && !res.Interrupted {
		// Nothing was measured: a script asking for JSON still gets its
		// document; a person gets the reason alone.
		if o.json || o.out != "" {
			if werr := o.capacityOutputs(c, res); werr != nil {
				return werr
			}
		}
		return cli.Exit(fmt.Sprint(err)+flagHint(err), exitRunError)
	}
	if werr := o.capacityOutputs(c, res); werr != nil {
		return werr
	}
	if werr := o.writeJUnit(c, res); werr != nil {
		return werr
	}
	switch {
	case res.Interrupted:
		return cli.Exit("interrupted: the steps above are those done until then", exitInterrupted)
	case err != nil:
		return cli.Exit(fmt.Sprint(err)+flagHint(err), exitRunError)
	case res.Stop == capacity.ErrorsAtStart:
		return cli.Exit(fmt.Sprintf("capacity: errors already at --start %s msgs/s: %s", capacity.FormatRate(cfg.Start), res.Steps[0].Note), exitRunError)
	case res.Stop == capacity.GeneratorLimited && res.Capacity == 0:
		return cli.Exit(fmt.Sprintf("capacity: nothing measured: the load generator could not offer even --start %s msgs/s (more --conns, a larger --window or more generator machines)",
			capacity.FormatRate(cfg.Start)), exitRunError)
	case minRate > 0 && res.Capacity < minRate && res.Stop == capacity.GeneratorLimited:
		return cli.Exit(fmt.Sprintf("capacity: the load generator was the limit at %s msgs/s, below --min-rate %s: the peer was not tested that far",
			capacity.FormatRate(res.Capacity), capacity.FormatRate(minRate)), exitRunError)
	case minRate > 0 && res.Capacity < minRate:
		return cli.Exit(fmt.Sprintf("capacity: %s msgs/s is below --min-rate %s msgs/s", capacity.FormatRate(res.Capacity), capacity.FormatRate(minRate)), exitRegression)
	}
	return nil
}

// capacityStepLine is the line printed on stderr after each step.
func capacityStepLine(s *capacity.Step) string {
	line := fmt.Sprintf("step %d: target %s msgs/s, achieved %s, rtt p50 %s, p99 %s, p99.9 %s: %s",
		s.Index, capacity.FormatRate(s.Target), capacity.FormatRate(s.Achieved()),
		capacity.FormatLatency(s.Latency("p50")), capacity.FormatLatency(s.Latency("p99")), capacity.FormatLatency(s.Latency("p99.9")), s.Outcome)
	if len(s.Failed) > 0 {
		line += " (" + strings.Join(s.Failed, ", ") + ")"
	}
	if s.Note != "" && s.Outcome != capacity.FailSLO {
		line += ": " + s.Note
	}
	return line
}

// writeJUnit writes --junit: the search's test suite, and a case for
// --min-rate when it is given.
func (o *capacityOptions) writeJUnit(c *cli.Context, res *capacity.Result) error {
	if o.junit == "" {
		return nil
	}
	suite := res.TestSuite("capacity")
	if o.minRate > 0 {
		tc := report.TestCase{Class: "capacity", Name: "min-rate", Measured: capacity.FormatRate(res.Capacity) + " msgs/s",
			Limit: ">= " + capacity.FormatRate(o.minRate) + " msgs/s", Failed: res.Capacity < o.minRate}
		if tc.Failed {
			tc.Message = fmt.Sprintf("capacity %s msgs/s is below --min-rate %s msgs/s", capacity.FormatRate(res.Capacity), capacity.FormatRate(o.minRate))
		}
		suite.Cases = append(suite.Cases, tc)
	}
	if err := writeOutput(c, o.junit, func(w io.Writer) error { return report.WriteJUnit(w, suite) }); err != nil {
		return cli.Exit(fmt.Sprintf("--junit: %v", err), exitRunError)
	}
	return nil
}

// capacityOutputs prints the table and verdict, or the JSON, and writes
// the -o and --hlog files.
func (o *outputOptions) capacityOutputs(c *cli.Context, res *capacity.Result) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	quiet := o.quiet
	if o.json {
		if err := capacity.WriteJSON(stdout, res); err != nil {
			return cli.Exit(fmt.Sprintf("writing JSON: %v", err), exitRunError)
		}
		if !quiet {
			writeCapacityTable(stderr, res)
		}
	} else if !quiet {
		if err := writeCapacityTable(stdout, res); err != nil {
			return cli.Exit(fmt.Sprintf("writing the table: %v", err), exitRunError)
		}
	} else {
		fmt.Fprintln(stdout, res.Line())
	}
	if p := o.out; p != "" {
		if err := writeOutput(c, p, func(w io.Writer) error { return capacity.WriteJSON(w, res) }); err != nil {
			return cli.Exit(fmt.Sprintf("--out: %v", err), exitRunError)
		}
	}
	if p := o.hlog; p != "" {
		err := writeOutput(c, p, func(w io.Writer) error {
			run, err := capacityHlogRun(res)
			if err != nil {
				return err
			}
			return report.WriteHistogramLog(w, run)
		})
		if err != nil {
			return cli.Exit(fmt.Sprintf("--hlog: %v", err), exitRunError)
		}
	}
	return nil
}

// writeCapacityTable prints one row per step, the verdict line and the
// generator's line.
func writeCapacityTable(w io.Writer, res *capacity.Result) error {
	return writeCapacityTableWith(w, res, renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}))
}

// writeCapacityTableWith is writeCapacityTable with the table drawn by r
// (ASCII, or Markdown for CI job summaries).
func writeCapacityTableWith(w io.Writer, res *capacity.Result, r tw.Renderer) error {
	header := []string{"step", "target (msgs/s)", "achieved (msgs/s)", "rtt p50", "rtt p99", "rtt p99.9", "rtt max", "errors", "result", "failed"}
	rows := make([][]string, 0, len(res.Steps))
	for i := range res.Steps {
		s := &res.Steps[i]
		var errs int64
		if s.Run != nil {
			errs = s.Run.Errors
		}
		failed := strings.Join(s.Failed, ", ")
		if s.Outcome == capacity.GeneratorLimit {
			failed = "generator: " + failed
			if len(s.Failed) == 0 {
				failed = "generator short of target"
			}
		}
		rows = append(rows, []string{
			strconv.Itoa(s.Index), capacity.FormatRate(s.Target), capacity.FormatRate(s.Achieved()),
			capacity.FormatLatency(s.Latency("p50")), capacity.FormatLatency(s.Latency("p99")),
			capacity.FormatLatency(s.Latency("p99.9")), capacity.FormatLatency(s.Latency("max")),
			strconv.FormatInt(errs, 10), s.Outcome.String(), failed,
		})
	}
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[len(align)-2], align[len(align)-1] = tw.AlignLeft, tw.AlignLeft
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "rtt is measured from the scheduled send time (corrected for coordinated omission); a step passes when every SLO term holds and >= 95%% of the target was sent\n")
	fmt.Fprintf(w, "generator: %d connection(s), GOMAXPROCS=%d, highest achieved %s msgs/s, worst send lag %s, %d sends more than %v late\n",
		res.Connections, res.Generator.GOMAXPROCS, capacity.FormatRate(res.MaxAchieved()), capacity.FormatLatency(res.MaxSendLag()), res.LateSends(), report.LateSend)
	if limited, advice := res.GeneratorLimited(); limited {
		fmt.Fprintf(w, "generator is the limit: %s (--conns, --window)\n", advice)
	}
	_, err := fmt.Fprintln(w, res.Line())
	return err
}

// capacityHlogRun gathers the per-second histograms of every step into one
// run whose intervals carry one tag per step: step3_40000 is step 3, at a
// target of 40000 msgs/s.
func capacityHlogRun(res *capacity.Result) (*report.Run, error) {
	run := &report.Run{Schema: report.Schema, Command: "capacity", Addr: res.Addr, Start: res.Start}
	for i := range res.Steps {
		s := &res.Steps[i]
		if s.Run == nil || len(s.Run.Intervals) == 0 {
			continue
		}
		untagged := make([]report.Interval, len(s.Run.Intervals))
		for j, iv := range s.Run.Intervals {
			untagged[j] = iv
			untagged[j].Tag = ""
		}
		merged, err := report.MergeIntervals(untagged)
		if err != nil {
			return nil, err
		}
		tag := fmt.Sprintf("step%d_%.0f", s.Index, s.Target)
		for _, iv := range merged {
			iv.Tag = tag
			run.Intervals = append(run.Intervals, iv)
		}
	}
	if len(run.Intervals) == 0 {
		return nil, errors.New("no per-second histograms were recorded")
	}
	return run, nil
}
