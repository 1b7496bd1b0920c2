package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/prom"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/table"
	"github.com/gigadex/gigadex/wire"
)

// Limits of the numeric flags of ping, flood and bench.
const (
	maxConns    = 100_000
	maxWindow   = 1 << 20
	maxCount    = 1_000_000_000_000
	maxRate     = 1e9
	maxDuration = 8760 * time.Hour
	maxTimeout  = time.Hour
	minTimeout  = time.Millisecond
)

// Default run lengths.
const (
	defaultPingCount     = 10000
	defaultFloodDuration = 10 * time.Second
	defaultWarmupCount   = 1000
	defaultWarmup        = time.Second
)

// loadOptions are the settings of ping and flood, bound to their flags.
type loadOptions struct {
	command string
	clientOptions
	outputOptions
	profile                   profileOptions
	count, window             int64
	duration                  time.Duration
	countGiven, durationGiven bool
	warmup                    warmup
	rate                      float64
	mix                       client.Mix
	thresholds                []report.Threshold
	tags                      map[string]string
	startAt                   time.Time
	progress, reconnect       bool
	metrics                   metricsOptions
}

// flags binds the flags ping and flood share.
func (o *loadOptions) flags(durationUsage string) []cli.Flag {
	dur := durFlag(&o.duration, &o.durationGiven, "duration", []string{"d"},
		rangeOf[time.Duration]{min: time.Millisecond, max: maxDuration, zeroMeans: "none"}, durationUsage)
	if o.duration == 0 {
		dur.DefaultText = "none"
	}
	flags := append(o.clientOptions.flags(),
		dur,
		valueFlag(&o.warmup, "warmup", parseWarmup, warmup.String,
			fmt.Sprintf("warmup (`D|N`) before the measured window, excluded from the histograms: a duration (1s) or a message count in all (1000, 10k); 0: none; at most %s or %s messages; a count in closed loop ends once its replies are in (or none came for 1s); in rate mode the default lasts at most 1s", shortDuration(maxWarmup), formatCount(maxWarmupCount))),
		rateFlag(&o.rate),
		o.jsonFlag("print the result as one JSON document on stdout (the table goes to stderr)"),
		o.outFlag("also write the JSON result to `FILE` (\"-\": stdout, and the table goes to stderr); a regular file is replaced atomically, a FIFO or device is written in place"),
		fileFlag(&o.hlog, "hlog", nil, "write an HdrHistogram interval log to `FILE` while the run goes: per second of the measured window, an untagged line with all message types and a tagged line per type"),
		fileFlag(&o.hgrm, "hgrm", nil, "write the percentile spectrum (.hgrm) to `FILE`"),
		o.junitFlag("write the --threshold verdicts as JUnit XML to `FILE`, one test case each, for CI servers' test reports"),
		thresholdFlag(&o.thresholds, "absolute check at the end, `EXPR` such as 'p99.9<50us', 'msgs_per_sec>100000' or 'error_rate<0.1%'; verdicts go to stderr and into the JSON; exit 3 on failure"),
		tagFlag(&o.tags),
		startAtFlag(&o.startAt),
		boolFlag(&o.progress, "progress", nil, "print a progress line every second on stderr even when it is not a terminal"),
		o.quietFlag("no progress and no table (with --json, only the JSON)"),
		boolFlag(&o.reconnect, "reconnect", nil, "redial a failed connection with backoff and carry on, counting the gap"),
	)
	flags = append(flags, o.metrics.flags()...)
	return append(flags, o.profile.flags()...)
}

func rateFlag(dst *float64) *cli.GenericFlag {
	f := valueFlag(dst, "rate", func(s string) (float64, error) { return parseRate(s, maxRate) },
		func(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) },
		fmt.Sprintf("open loop: `R` messages/s in total, on a fixed schedule; latency is corrected for coordinated omission; 1 to %s (at least one per connection), accepts 10k, 1.5M; 0: closed loop", formatCount(maxRate)))
	f.DefaultText = "0, closed loop"
	return f
}

func tagFlag(dst *map[string]string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: "tag", Usage: "label the result, `KEY=VALUE` (e.g. agent=a1); repeatable",
		Value: &boundValue{set: func(s string) error {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return fmt.Errorf("want KEY=VALUE")
			}
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[k] = v
			return nil
		}}}
}

func startAtFlag(dst *time.Time) *cli.GenericFlag {
	return valueFlag(dst, "start-at", parseStartAt, nil,
		"wait until `TIME` (RFC 3339, or Unix seconds) before starting, so several agents start together")
}

func newPingCommand() *cli.Command {
	o := &loadOptions{command: "ping", clientOptions: newClientOptions(1), count: defaultPingCount,
		warmup: warmup{d: defaultWarmup, n: defaultWarmupCount}, mix: mustMix("heartbeat")}
	count := countFlag(&o.count, &o.countGiven, "count", []string{"n"}, rangeOf[int64]{min: 1, max: maxCount, zeroMeans: "none"},
		"measured round trips in all, after the warmup")
	count.DefaultText = fmt.Sprintf("%d, or none when only --duration is given", defaultPingCount)
	msg := valueFlag(&o.mix, "msg", func(s string) (client.Mix, error) {
		if s != "heartbeat" && s != "order" {
			return client.Mix{}, fmt.Errorf("want heartbeat or order")
		}
		return client.ParseMix(s)
	}, nil, "message type: `TYPE` heartbeat or order")
	msg.DefaultText = "heartbeat"
	return &cli.Command{
		Name:  "ping",
		Usage: "measure round-trip time (rtt) percentiles, one message in flight per connection",
		UsageText: "gigadex ping [--addr HOST:PORT] [--conns N] [--count N] [--duration D] [--warmup D|N] [--rate R] [--msg heartbeat|order] [--json]\n" +
			"   with no --addr, an in-process echo server on 127.0.0.1 is used.\n" +
			"   The run measures --count round trips (default 10000); with --duration alone it runs that long;\n" +
			"   with both it ends at whichever comes first.",
		Flags: append(o.flags("measured window after the warmup; alone it sets the run's length (no count limit), with --count the run ends at whichever comes first"),
			count, msg,
		),
		Action: func(c *cli.Context) error { return runLoad(c, o) },
	}
}

func newFloodCommand() *cli.Command {
	o := &loadOptions{command: "flood", clientOptions: newClientOptions(4), duration: defaultFloodDuration, window: 256,
		warmup: warmup{d: defaultWarmup, n: defaultWarmupCount}, mix: mustMix(defaultMix)}
	count := countFlag(&o.count, &o.countGiven, "count", []string{"n"}, rangeOf[int64]{min: 1, max: maxCount, zeroMeans: "none"},
		"stop after this many measured messages in all")
	count.DefaultText = "none"
	return &cli.Command{
		Name:  "flood",
		Usage: "measure throughput with pipelined messages, and the rtt of every message under load",
		UsageText: "gigadex flood [--addr HOST:PORT] [--conns N] [--window K] [--duration D] [--rate R] [--mix order=90,cancel=10] [--reply echo|exchange] [--json]\n" +
			"   with no --addr, an in-process echo server on 127.0.0.1 is used.\n" +
			"   The run lasts --duration (default 10s); with --count alone it ends after that many messages;\n" +
			"   with both it ends at whichever comes first.",
		Flags: append(o.flags("measured window after the warmup (10s unless only --count is given); with --count the run ends at whichever comes first"),
			windowFlag(&o.window, 1, "", "messages in flight per connection"),
			mixFlag(&o.mix),
			count,
		),
		Action: func(c *cli.Context) error { return runLoad(c, o) },
	}
}

func windowFlag(dst *int64, min int64, zeroMeans, usage string) *cli.GenericFlag {
	return countFlag(dst, nil, "window", []string{"w"}, rangeOf[int64]{min: min, max: maxWindow, zeroMeans: zeroMeans}, usage)
}

// config checks what involves several flags (every bad value is a usage
// error found here or while parsing, before anything starts) and returns
// the run's configuration.
func (o *loadOptions) config(c *cli.Context) (client.LoadConfig, error) {
	if err := noArgs(c); err != nil {
		return client.LoadConfig{}, err
	}
	cfg, err := o.clientOptions.config(o.command)
	if err != nil {
		return cfg, err
	}
	cfg.Count, cfg.Duration = o.count, o.duration
	cfg.Warmup, cfg.WarmupCount = o.warmup.d, o.warmup.n
	cfg.Rate, cfg.Mix, cfg.Reconnect = o.rate, o.mix, o.reconnect
	if a, ok := o.tags["agent"]; ok && !o.idBaseGiven {
		cfg.IDBase = agentIDBase(a)
	}
	if o.command == "flood" {
		cfg.Window = int(o.window)
	}
	// Run length: --duration alone means no count limit (ping), --count
	// alone no time limit (flood); both: whichever comes first.
	switch {
	case o.command == "ping" && o.durationGiven && !o.countGiven:
		cfg.Count = 0
	case o.command == "flood" && o.countGiven && !o.durationGiven:
		cfg.Duration = 0
	}
	if cfg.Count == 0 && cfg.Duration == 0 {
		// Name what was typed: --duration alone ends a ping's count.
		given := "--count 0 and --duration 0"
		switch {
		case o.durationGiven && !o.countGiven:
			given = "--duration 0 without --count"
		case o.countGiven && !o.durationGiven:
			given = "--count 0 without --duration"
		}
		return cfg, usagef("%s: the run would never end; give a count or a duration", given)
	}
	if cfg.Rate > 0 && cfg.Rate < float64(cfg.Conns) {
		return cfg, usagef("--rate %g is below the number of connections (%d): each connection needs at least 1 msg/s", cfg.Rate, cfg.Conns)
	}
	o.outputOptions.stdout, _ = c.App.Writer.(*os.File)
	o.outputOptions.inputs = [][2]string{{"--messages", o.messagesFile}}
	if err := o.outputOptions.check([2]string{"--cpuprofile", o.profile.cpu}, [2]string{"--memprofile", o.profile.mem}); err != nil {
		return cfg, err
	}
	return cfg, o.metrics.check(o.tags)
}

// startInProcessEcho starts the echo server that ping, flood and capacity
// use when no --addr is given, on a free loopback port, and returns its
// address, the function that stops it and, with metrics (--metrics-addr),
// the collector of its metrics (else nil), labelled with tags as the load's
// are.
func startInProcessEcho(c *cli.Context, reply wire.Reply, quiet, metrics bool, tags map[string]string) (string, func(), prometheus.Collector, error) {
	var logger *log.Logger
	if !quiet {
		logger = log.New(c.App.ErrWriter, "", 0)
	}
	// With metrics, the server counts messages by type and its service times.
	srv, addr, err := echo.Start(c.Context, "127.0.0.1:0", echo.WithReply(reply), echo.WithLogger(logger), echo.WithDetailedStats(metrics))
	if err != nil {
		return "", nil, nil, cli.Exit(fmt.Sprintf("in-process echo server: %v", err), exitRunError)
	}
	if !quiet {
		fmt.Fprintf(c.App.ErrWriter, "no --addr given: started an in-process echo server on %s (it shares this machine's CPUs with the generator)\n", addr)
	}
	var col prometheus.Collector
	if metrics {
		col = prom.NewEcho(srv, tags)
	}
	return addr.String(), func() { srv.Close() }, col, nil
}

// runLoad runs ping or flood: it checks the options, prepares the run,
// measures and reports.
func runLoad(c *cli.Context, o *loadOptions) error {
	cfg, err := o.config(c)
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(o.profile.cpu)
	if err != nil {
		return err
	}
	defer stopProfile()
	load := prom.NewLoad(o.tags)
	cols := []prometheus.Collector{load}
	stopEcho := func() {}
	if cfg.Addr == "" {
		addr, stop, col, err := startInProcessEcho(c, cfg.Reply, o.quiet, o.metrics.addr != "", o.tags)
		if err != nil {
			return err
		}
		stopEcho = sync.OnceFunc(stop)
		defer stopEcho()
		cfg.Addr = addr
		if col != nil {
			cols = append(cols, col)
		}
	}
	ms, err := o.metrics.start(c.Context, noteWriter(c, o.quiet), cfg.Command, cols...)
	if err != nil {
		return err
	}
	if ms != nil {
		cfg.Observer = load
		defer func() {
			// The in-process echo first: it counts a connection's
			// messages when the connection ends, and the final scrape
			// must see them all.
			stopEcho()
			ms.stop(c.Context)
		}()
	}
	if err := waitStart(c.Context, o.startAt); err != nil {
		// Interrupted before the start: an empty result marked
		// interrupted, as for an interrupt while connecting.
		run := report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
		run.Start, run.TargetRate, run.Interrupted = time.Now(), cfg.Rate, true
		run.ErrorSamples = []string{"interrupted before --start-at"}
		return o.finish(c, cfg, run, err, nil)
	}
	if every := progressEvery(c, o); every > 0 {
		stderr := c.App.ErrWriter
		cfg.Progress = func(p report.Progress, n client.Counters) {
			if (p.Second+1)%every == 0 {
				printProgress(stderr, p, n)
			}
		}
	}
	hlog, err := startHlog(c, o.hlog, hlogTitle(cfg, o.tags))
	if err != nil {
		return err
	}
	cfg.Intervals = hlog.Stream()
	run, err := measureLoad(c.Context, cfg)
	herr := hlog.Close()
	return o.finish(c, cfg, run, err, herr)
}

// hlogTitle says in the interval log's comment line who made it: the
// command, the peer and the settings (HdrHistogram readers skip comments).
func hlogTitle(cfg client.LoadConfig, tags map[string]string) string {
	loop := "closed loop"
	if cfg.Rate > 0 {
		loop = "rate " + report.FormatSI(cfg.Rate, " ", "msgs/s")
	}
	t := fmt.Sprintf("gigadex %s %s, %d connection(s), %s, reply %s, mix %s", cfg.Command, cfg.Addr, cfg.Conns, loop, cfg.Reply, cfg.Mix)
	if cfg.Window > 0 {
		t += fmt.Sprintf(", window %d", cfg.Window)
	}
	keys := slices.Sorted(maps.Keys(tags))
	for _, k := range keys {
		t += fmt.Sprintf(", %s=%s", k, tags[k])
	}
	return t
}

// measureLoad runs cfg. A run that could not start (no connection, say)
// still gets a result, with the error and zero counts, so that scripts
// always get their JSON.
func measureLoad(ctx context.Context, cfg client.LoadConfig) (*report.Run, error) {
	run, err := client.Run(ctx, cfg)
	if run == nil {
		if err == nil {
			return nil, cli.Exit(cfg.Command+": no result", exitRunError)
		}
		run = report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
		run.Start = time.Now()
		run.TargetRate = cfg.Rate
		run.Interrupted = ctx.Err() != nil
	}
	if err != nil && len(run.ErrorSamples) == 0 && !run.Interrupted {
		run.ErrorSamples = []string{err.Error()}
	}
	if run.Start.IsZero() {
		run.Start = time.Now() // nothing was measured: when it was tried
	}
	return run, err
}

// finish applies the thresholds, writes the outputs and warnings, and
// returns the run's exit: err is the run's error, herr the interval log's.
func (o *loadOptions) finish(c *cli.Context, cfg client.LoadConfig, run *report.Run, err, herr error) error {
	if run == nil {
		return err
	}
	stderr := c.App.ErrWriter
	run.Tags = o.tags
	thresholdsOK := true
	if len(o.thresholds) > 0 {
		thresholdsOK = run.ApplyThresholds(o.thresholds)
	}
	// A run that failed before measuring anything (no connection, say)
	// prints its error, not a table of dashes; --json and -o still get
	// their document.
	table := !(err != nil && !run.Measured() && !run.Interrupted)
	werr := o.writeOutputs(c, run, table)
	if werr == nil {
		werr = herr
	} else if herr != nil {
		fmt.Fprintln(stderr, "gigadex:", herr) // the interval log failed too
	}
	if werr != nil && (run.Interrupted || err != nil) {
		// The exit says interrupted or failed; the outputs' failure is
		// said here, and the exit code is never 0.
		fmt.Fprintln(stderr, "gigadex:", werr)
	}
	if !o.quiet {
		if w := report.GeneratorWarning(run, generatorAdvice(cfg.Command)); w != "" {
			fmt.Fprintln(stderr, w)
		}
	}
	if p := o.profile.mem; p != "" {
		if err := writeHeapProfile(p); err != nil {
			fmt.Fprintln(stderr, "gigadex: --memprofile:", err)
		}
	}
	for _, t := range run.Thresholds {
		fmt.Fprintln(stderr, t)
	}
	switch {
	case run.Interrupted:
		return cli.Exit("interrupted: the results above cover what was measured until then", exitInterrupted)
	case werr != nil && c.Context.Err() != nil:
		return cli.Exit(fmt.Sprintf("interrupted while writing the outputs: %v", werr), exitInterrupted)
	case err != nil:
		return cli.Exit(fmt.Sprintf("%s: %v%s", cfg.Command, err, flagHint(err)), exitRunError)
	case werr != nil:
		return werr
	case run.Errors > 0:
		return cli.Exit(fmt.Sprintf("%s: %d errors (see error samples above)", cfg.Command, run.Errors), exitRunError)
	case run.RTT == nil || run.RTT.TotalCount() == 0:
		return cli.Exit(fmt.Sprintf("%s: the measured window recorded no round trip (%d sent, %d received in %v after a warmup of %d messages in %v)",
			cfg.Command, run.Sent, run.Received, run.Elapsed.Round(time.Millisecond), run.WarmupSent, run.WarmupElapsed.Round(time.Millisecond)), exitRunError)
	case !thresholdsOK:
		return cli.Exit("thresholds failed", exitRegression)
	}
	return werr
}

// flagHint names the flag that changes what err reports, for the error
// line: library errors say what happened, the command line adds how to
// change it.
func flagHint(err error) string {
	switch {
	case errors.Is(err, client.ErrCertificate):
		return " (does --tls-ca hold the peer's certificate or its CA?)"
	case errors.Is(err, client.ErrNeedsTLS):
		return " (--tls-ca)"
	case errors.Is(err, client.ErrAcksOrders):
		return " (try --reply exchange)"
	case errors.Is(err, client.ErrUnsolicited):
		return " (--strict)"
	case errors.Is(err, client.ErrHeartbeat):
		return " (--heartbeat-timeout)"
	}
	return ""
}

// writeOutputs prints the table or JSON and writes the requested files.
// stdout carries at most one document: the JSON with --json or -o -, an
// interval log or spectrum given "-", or else the table; the table then
// goes to stderr; without withTable, no table is printed. All files are
// attempted; the first error is returned.
func (o *outputOptions) writeOutputs(c *cli.Context, run *report.Run, withTable bool) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	jsonOut := o.json || isStdout(o.out)
	stdoutTaken := jsonOut || isStdout(o.hlog) || isStdout(o.hgrm) || isStdout(o.junit)
	// Every failed output is reported: the first is returned, the others
	// are printed here.
	var first error
	fail := func(err error) {
		switch {
		case err == nil:
		case first == nil:
			first = err
		default:
			fmt.Fprintln(stderr, "gigadex:", err)
		}
	}
	if jsonOut {
		if err := report.WriteJSON(stdout, run); err != nil {
			fail(cli.Exit(fmt.Sprintf("writing JSON to stdout: %v", err), exitRunError))
		}
	}
	if !o.quiet && withTable {
		w := stdout
		if stdoutTaken {
			w = stderr
		}
		if err := table.Write(w, run); err != nil {
			fail(cli.Exit(fmt.Sprintf("writing the table: %v", err), exitRunError))
		}
	}
	files := []struct {
		flag, path string
		write      func(io.Writer, *report.Run) error
	}{{"-o", o.out, report.WriteJSON}, {"--hgrm", o.hgrm, report.WritePercentiles}, {"--junit", o.junit, writeRunJUnit}} // --hlog is written while the run goes
	for _, f := range files {
		if f.path == "" || (f.flag == "-o" && jsonOut && isStdout(o.out)) {
			continue
		}
		if err := writeOutput(c, f.path, func(w io.Writer) error { return f.write(w, run) }); err != nil {
			fail(cli.Exit(fmt.Sprintf("%s: %v", f.flag, err), exitRunError))
		}
	}
	return first
}

// writeRunJUnit writes the threshold verdicts of r as JUnit XML, in a
// suite named after its command.
func writeRunJUnit(w io.Writer, r *report.Run) error {
	return report.WriteJUnit(w, report.ThresholdSuite(r.Command, r))
}

// startCPUProfile starts a CPU profile into path (none if empty) and
// returns the function that stops it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("--cpuprofile: %v", err), exitUsage)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, cli.Exit(fmt.Sprintf("--cpuprofile: %v", err), exitRunError)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

// generatorAdvice names the flags that help a generator that could not
// keep to its schedule.
func generatorAdvice(command string) string {
	if command == "flood" {
		return "a lower --rate, more --conns, a larger --window"
	}
	return "a lower --rate, more --conns"
}

// parseStartAt reads --start-at: RFC 3339 or Unix seconds; "" is now.
func parseStartAt(at string) (time.Time, error) {
	if at == "" {
		return time.Time{}, nil
	}
	var t time.Time
	if secs, err := strconv.ParseFloat(at, 64); err == nil {
		if !(secs >= 0 && secs <= maxStartAtSeconds) {
			return time.Time{}, errors.New("seconds since the Unix epoch out of range")
		}
		// Whole seconds and nanoseconds apart: secs*1e9 overflows int64
		// from 9223372037 s (the year 2262) on.
		whole := math.Floor(secs)
		t = time.Unix(int64(whole), int64((secs-whole)*1e9))
	} else if t, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return time.Time{}, errors.New("want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds")
	}
	if time.Until(t) > maxStartAtWait {
		return time.Time{}, fmt.Errorf("%s is more than 24 h away: a typo?", t.UTC().Format(time.RFC3339))
	}
	return t, nil
}

// maxStartAtSeconds is the latest --start-at in Unix seconds: the end of
// year 9999.
const maxStartAtSeconds = 253402300799

// maxStartAtWait is how far ahead --start-at may be: agents are started
// together within a day, and a start years away is a mistake, not a plan.
const maxStartAtWait = 24 * time.Hour

// waitStart sleeps until t (no wait for the zero time).
func waitStart(ctx context.Context, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return cli.Exit("interrupted before --start-at", exitInterrupted)
	}
}

// progressEvery returns how often a progress line is printed, in seconds
// of the measured window: every second on a terminal or with --progress,
// every 10 s when stderr is a file or a pipe (a CI log), never with
// --quiet.
func progressEvery(c *cli.Context, o *loadOptions) int64 {
	switch {
	case o.quiet:
		return 0
	case o.progress:
		return 1
	}
	if f, ok := c.App.ErrWriter.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return 1
		}
	}
	return 10
}

// printProgress prints the line of the second p of the window that just
// ended, with n the run's counters so far.
func printProgress(w io.Writer, p report.Progress, n client.Counters) {
	rate := 0.0
	if n.Elapsed > 0 {
		rate = float64(n.Received) / n.Elapsed.Seconds()
	}
	last := report.FormatCount(p.Count, "msgs")
	if p.Count > 0 {
		last += fmt.Sprintf(", rtt p50 %s, p99 %s", report.FormatLatency(p.P50), report.FormatLatency(p.P99))
	}
	fmt.Fprintf(w, "%6.1fs  sent %s  received %s  errors %d  avg %s  second %d: %s\n",
		n.Elapsed.Seconds(), report.FormatCount(n.Sent, "msgs"), report.FormatCount(n.Received, "msgs"), n.Errors,
		report.FormatSI(rate, " ", "msgs/s"), p.Second+1, last)
}
