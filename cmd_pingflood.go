package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
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

// Flags shared by ping and flood whose values hold no state.
var (
	addrFlag      = &cli.StringFlag{Name: "addr", Usage: "peer `HOST:PORT` (port 1 to 65535); without it an in-process echo server on 127.0.0.1 is started", EnvVars: []string{"GIGADEX_ADDR"}}
	replyFlag     = &cli.StringFlag{Name: "reply", Value: "echo", Usage: "what the peer answers, and replies are checked against: echo or exchange"}
	jsonFlag      = &cli.BoolFlag{Name: "json", Usage: "print the result as one JSON document on stdout (the table goes to stderr)"}
	outFlag       = &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "also write the JSON result to `FILE` (\"-\": stdout, and the table goes to stderr); a regular file is replaced atomically, a FIFO or device is written in place"}
	hlogFlag      = &cli.StringFlag{Name: "hlog", Usage: "write an HdrHistogram interval log to `FILE` while the run goes: per second of the measured window, an untagged line with all message types and a tagged line per type"}
	hgrmFlag      = &cli.StringFlag{Name: "hgrm", Usage: "write the percentile spectrum (.hgrm) to `FILE`"}
	thresholdFlag = &cli.StringSliceFlag{Name: "threshold", Usage: "absolute check at the end, e.g. 'p99.9<50us', 'msgs_per_sec>100000' or 'error_rate<0.1%'; verdicts go to stderr and into the JSON; exit 3 on failure"}
	tagFlag       = &cli.StringSliceFlag{Name: "tag", Usage: "label the result, `KEY=VALUE` (e.g. agent=a1)"}
	startAtFlag   = &cli.StringFlag{Name: "start-at", Usage: "wait until `TIME` (RFC 3339, or Unix seconds) before starting, so several agents start together"}
	progressFlag  = &cli.BoolFlag{Name: "progress", Usage: "print a progress line every second on stderr even when it is not a terminal"}
	quietFlag     = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no table (with --json, only the JSON)"}
	reconnectFlag = &cli.BoolFlag{Name: "reconnect", Usage: "redial a failed connection with backoff and carry on, counting the gap"}
	tlsCAFlag     = &cli.StringFlag{Name: "tls-ca", Usage: "speak TLS, trusting the PEM certificates in `FILE` (the peer's certificate or its CA)"}
	tlsNameFlag   = &cli.StringFlag{Name: "tls-server-name", Usage: "with --tls-ca, the name to verify in the peer's certificate (default: the host of --addr)"}
	cpuProfFlag   = &cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile to `FILE`"}
	memProfFlag   = &cli.StringFlag{Name: "memprofile", Usage: "write a heap profile to `FILE` at the end"}
)

func connsFlag(def int64) *cli.GenericFlag {
	return countFlag("conns", []string{"c"}, def, 1, maxConns, "", "number of connections")
}

func connectTimeoutFlag() *cli.GenericFlag {
	return durFlag("connect-timeout", nil, client.DefaultConnectTimeout, minTimeout, maxTimeout, "",
		"give up a connection attempt (TLS handshake included) after this long")
}

// loadFlags returns fresh flags shared by ping and flood.
func loadFlags(defConns int64, defDuration time.Duration, durationUsage string) []cli.Flag {
	dur := durFlag("duration", []string{"d"}, defDuration, time.Millisecond, maxDuration, "none", durationUsage)
	if defDuration == 0 {
		dur.DefaultText = "none"
	}
	return append([]cli.Flag{
		addrFlag, connsFlag(defConns), dur,
		&cli.GenericFlag{Name: "warmup", Value: &warmupValue{d: defaultWarmup, n: defaultWarmupCount},
			Usage: fmt.Sprintf("warmup (`D|N`) before the measured window, excluded from the histograms: a duration (1s) or a message count in all (1000, 10k); 0: none; at most %s or %s messages; in rate mode the default lasts at most 1s", shortDuration(maxWarmup), formatCount(maxWarmupCount))},
		&cli.GenericFlag{Name: "rate", Value: &rateValue{max: maxRate}, DefaultText: "0, closed loop",
			Usage: fmt.Sprintf("open loop: `R` messages/s in total, on a fixed schedule; latency is corrected for coordinated omission; 1 to %s (at least one per connection), accepts 10k, 1.5M; 0: closed loop", formatCount(maxRate))},
		replyFlag, jsonFlag, outFlag, hlogFlag, hgrmFlag,
		thresholdFlag, tagFlag, startAtFlag, progressFlag, quietFlag, reconnectFlag,
		durFlag("reply-timeout", nil, 10*time.Second, minTimeout, maxTimeout, "",
			"fail a connection that gets no reply for this long while messages are in flight"),
		connectTimeoutFlag(),
		tlsCAFlag, tlsNameFlag,
		&cli.GenericFlag{Name: "seed", Value: &uint64Value{n: 1}, Usage: "seed of the message mix (`N`: 0 to 18446744073709551615)"},
		cpuProfFlag, memProfFlag,
	}, clientIOFlags()...)
}

func newPingCommand() *cli.Command {
	count := countFlag("count", []string{"n"}, defaultPingCount, 1, maxCount, "none",
		"measured round trips in all, after the warmup")
	count.DefaultText = fmt.Sprintf("%d, or none when only --duration is given", defaultPingCount)
	return &cli.Command{
		Name:  "ping",
		Usage: "measure round-trip time (rtt) percentiles, one message in flight per connection",
		UsageText: "gigadex ping [--addr HOST:PORT] [--conns N] [--count N] [--duration D] [--warmup D|N] [--rate R] [--msg heartbeat|order] [--json]\n" +
			"   with no --addr, an in-process echo server on 127.0.0.1 is used.\n" +
			"   The run measures --count round trips (default 10000); with --duration alone it runs that long;\n" +
			"   with both it ends at whichever comes first.",
		Flags: append(loadFlags(1, 0, "measured window after the warmup; alone it sets the run's length (no count limit), with --count the run ends at whichever comes first"),
			count,
			&cli.StringFlag{Name: "msg", Value: "heartbeat", Usage: "message type: heartbeat or order"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c, "ping")
			if err != nil {
				return err
			}
			switch m := c.String("msg"); m {
			case "heartbeat", "order":
				cfg.Mix, _ = client.ParseMix(m)
			default:
				return usagef("--msg %q: want heartbeat or order", m)
			}
			return runLoad(c, cfg)
		},
	}
}

func newFloodCommand() *cli.Command {
	count := countFlag("count", []string{"n"}, 0, 1, maxCount, "none",
		"stop after this many measured messages in all")
	count.DefaultText = "none"
	return &cli.Command{
		Name:  "flood",
		Usage: "measure throughput with pipelined messages, and the rtt of every message under load",
		UsageText: "gigadex flood [--addr HOST:PORT] [--conns N] [--window K] [--duration D] [--rate R] [--mix order=90,cancel=10] [--reply echo|exchange] [--json]\n" +
			"   with no --addr, an in-process echo server on 127.0.0.1 is used.\n" +
			"   The run lasts --duration (default 10s); with --count alone it ends after that many messages;\n" +
			"   with both it ends at whichever comes first.",
		Flags: append(loadFlags(4, defaultFloodDuration, "measured window after the warmup (10s unless only --count is given); with --count the run ends at whichever comes first"),
			countFlag("window", []string{"w"}, 256, 1, maxWindow, "", "messages in flight per connection"),
			&cli.StringFlag{Name: "mix", Value: "order=90,cancel=10", Usage: "message types in percent (heartbeat, order, order_ack, trade, cancel, cancel_ack); seeded and reproducible"},
			count,
		),
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c, "flood")
			if err != nil {
				return err
			}
			cfg.Window = int(countOf(c, "window"))
			if cfg.Mix, err = client.ParseMix(c.String("mix")); err != nil {
				return usagef("--mix %q: %v", c.String("mix"), strings.TrimPrefix(err.Error(), fmt.Sprintf("mix %q: ", c.String("mix"))))
			}
			return runLoad(c, cfg)
		},
	}
}

// loadConfig reads and checks the flags shared by ping and flood: every
// bad value is a usage error found here, before anything starts.
func loadConfig(c *cli.Context, command string) (client.LoadConfig, error) {
	if err := noArgs(c); err != nil {
		return client.LoadConfig{}, err
	}
	warm := warmupOf(c, "warmup")
	cfg := client.LoadConfig{
		Command:        command,
		Addr:           c.String("addr"),
		Conns:          int(countOf(c, "conns")),
		Count:          countOf(c, "count"),
		Duration:       durationOf(c, "duration"),
		Warmup:         warm.d,
		WarmupCount:    warm.n,
		Rate:           rateOf(c, "rate"),
		Seed:           uint64Of(c, "seed"),
		Reconnect:      c.Bool("reconnect"),
		ReplyTimeout:   durationOf(c, "reply-timeout"),
		ConnectTimeout: durationOf(c, "connect-timeout"),
	}
	// Run length: --duration alone means no count limit (ping), --count
	// alone no time limit (flood); both: whichever comes first.
	switch {
	case command == "ping" && c.IsSet("duration") && !c.IsSet("count"):
		cfg.Count = 0
	case command == "flood" && c.IsSet("count") && !c.IsSet("duration"):
		cfg.Duration = 0
	}
	if cfg.Count == 0 && cfg.Duration == 0 {
		return cfg, usagef("--count 0 and --duration 0: the run would never end; give a count or a duration")
	}
	if cfg.Addr != "" {
		if err := checkAddr(cfg.Addr); err != nil {
			return cfg, usagef("--addr %q: %v", cfg.Addr, err)
		}
	}
	if cfg.Rate > 0 && cfg.Rate < float64(cfg.Conns) {
		return cfg, usagef("--rate %g is below the number of connections (%d): each connection needs at least 1 msg/s", cfg.Rate, cfg.Conns)
	}
	if ca := c.String("tls-ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return cfg, usagef("--tls-ca %q: %v", ca, reason(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, usagef("--tls-ca %q: no PEM certificate in it", ca)
		}
		cfg.Options = append(cfg.Options, client.WithTLS(&tls.Config{RootCAs: pool, ServerName: c.String("tls-server-name"), MinVersion: tls.VersionTLS12}))
	} else if c.IsSet("tls-server-name") {
		return cfg, usagef("--tls-server-name needs --tls-ca")
	}
	io, err := clientIOOptions(c, command, cfg.Addr, cfg.Conns)
	if err != nil {
		return cfg, err
	}
	cfg.Options = append(cfg.Options, io...)
	if cfg.Reply, err = wire.ParseReply(c.String("reply")); err != nil || c.String("reply") == "" {
		return cfg, usagef("--reply %q: want echo or exchange", c.String("reply"))
	}
	for _, t := range c.StringSlice("threshold") {
		if _, err := report.ParseThreshold(t); err != nil {
			return cfg, usagef("--threshold %s", exprReason(err))
		}
	}
	for _, t := range c.StringSlice("tag") {
		if k, _, ok := strings.Cut(t, "="); !ok || k == "" {
			return cfg, usagef("--tag %q: want KEY=VALUE", t)
		}
	}
	if _, err := parseStartAt(c.String("start-at")); err != nil {
		return cfg, usagef("--start-at %q: %v", c.String("start-at"), err)
	}
	if err := checkOutputs(c, "-o", "--hlog", "--hgrm", "--cpuprofile", "--memprofile"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// checkOutputs checks the output files of the given flags before the run:
// each can be written, no two name the same file, and at most one is
// stdout besides --json.
func checkOutputs(c *cli.Context, flags ...string) error {
	seen := map[string]string{}
	stdoutUser := ""
	if c.Bool("json") {
		stdoutUser = "--json"
	}
	for _, flag := range flags {
		name := strings.TrimLeft(flag, "-")
		if name == "o" {
			name = "out"
		}
		path := c.String(name)
		if path == "" {
			if c.IsSet(name) {
				return usagef("%s %q: empty file name", flag, path)
			}
			continue
		}
		if err := checkOutput(flag, path); err != nil {
			return err
		}
		t, _ := resolveOutput(path)
		if t.kind == outputStdout {
			if stdoutUser != "" && !(flag == "-o" && stdoutUser == "--json") {
				return usagef("%s %q: stdout already carries the output of %s", flag, path, stdoutUser)
			}
			if stdoutUser == "" {
				stdoutUser = flag
			}
			continue
		}
		key := t.file
		if abs, err := filepath.Abs(t.file); err == nil {
			key = abs
		}
		if other, ok := seen[key]; ok && t.kind == outputReplace {
			return usagef("%s %q: the same file as %s", flag, path, other)
		}
		seen[key] = flag
	}
	return nil
}

// startInProcessEcho starts the echo server that ping, flood and capacity
// use when no --addr is given, on a free loopback port, and returns its
// address and the function that stops it.
func startInProcessEcho(c *cli.Context, reply wire.Reply) (string, func(), error) {
	var logger *log.Logger
	quiet := c.Bool("quiet")
	if !quiet {
		logger = log.New(c.App.ErrWriter, "", 0)
	}
	srv, addr, err := echo.Start(c.Context, "127.0.0.1:0", echo.WithReply(reply), echo.WithLogger(logger))
	if err != nil {
		return "", nil, cli.Exit(fmt.Sprintf("in-process echo server: %v", err), exitRunError)
	}
	if !quiet {
		fmt.Fprintf(c.App.ErrWriter, "no --addr given: started an in-process echo server on %s (it shares this machine's CPUs with the generator)\n", addr)
	}
	return addr.String(), func() { srv.Close() }, nil
}

// runLoad runs ping or flood and prints and writes the result.
func runLoad(c *cli.Context, cfg client.LoadConfig) error {
	stderr := c.App.ErrWriter
	stopProfile, err := startCPUProfile(c.String("cpuprofile"))
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx := c.Context
	if cfg.Addr == "" {
		addr, stop, err := startInProcessEcho(c, cfg.Reply)
		if err != nil {
			return err
		}
		defer stop()
		cfg.Addr = addr
	}
	at, _ := parseStartAt(c.String("start-at"))
	if err := waitStart(ctx, at); err != nil {
		return err
	}
	if progressWanted(c) {
		cfg.Progress = func(p report.Progress, n client.Counters) { printProgress(stderr, p, n) }
	}
	hlog, err := startHlog(c, c.String("hlog"), "gigadex "+cfg.Command+" "+cfg.Addr)
	if err != nil {
		return err
	}
	cfg.Intervals = hlog.Stream()
	run, err := client.Run(ctx, cfg)
	herr := hlog.Close()
	if run == nil {
		if err == nil {
			return cli.Exit(cfg.Command+": no result", exitRunError)
		}
		// Could not start (no connection, say): a result with the error
		// and zero counts, so that scripts always get their JSON.
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
	run.Tags = parseTags(c.StringSlice("tag"))
	thresholdsOK := true
	if th := c.StringSlice("threshold"); len(th) > 0 {
		var ths []report.Threshold
		for _, t := range th {
			x, _ := report.ParseThreshold(t)
			ths = append(ths, x)
		}
		thresholdsOK = run.ApplyThresholds(ths)
	}
	werr := writeOutputs(c, run)
	if werr == nil {
		werr = herr
	}
	if !c.Bool("quiet") {
		if w := report.GeneratorWarning(run, generatorAdvice(cfg.Command)); w != "" {
			fmt.Fprintln(stderr, w)
		}
	}
	if p := c.String("memprofile"); p != "" {
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
	case err != nil:
		return cli.Exit(fmt.Sprintf("%s: %v", cfg.Command, err), exitRunError)
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

// writeOutputs prints the table or JSON and writes the requested files.
// stdout carries at most one document: the JSON with --json or -o -, an
// interval log or spectrum given "-", or else the table; the table then
// goes to stderr. All files are attempted; the first error is returned.
func writeOutputs(c *cli.Context, run *report.Run) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	quiet := c.Bool("quiet")
	toStdout := func(flag string) bool {
		p := c.String(flag)
		if p == "" {
			return false
		}
		t, err := resolveOutput(p)
		return err == nil && t.kind == outputStdout
	}
	jsonOut := c.Bool("json") || toStdout("out")
	stdoutTaken := jsonOut || toStdout("hlog") || toStdout("hgrm")
	var first error
	fail := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if jsonOut {
		if err := report.WriteJSON(stdout, run); err != nil {
			fail(cli.Exit(fmt.Sprintf("writing JSON to stdout: %v", err), exitRunError))
		}
	}
	if !quiet {
		w := stdout
		if stdoutTaken {
			w = stderr
		}
		if err := table.Write(w, run); err != nil {
			fail(cli.Exit(fmt.Sprintf("writing the table: %v", err), exitRunError))
		}
	}
	files := []struct {
		flag, name string
		write      func(io.Writer, *report.Run) error
	}{{"-o", "out", report.WriteJSON}, {"--hgrm", "hgrm", report.WritePercentiles}} // --hlog is written while the run goes
	for _, f := range files {
		path := c.String(f.name)
		if path == "" || (f.name == "out" && jsonOut && toStdout("out")) {
			continue
		}
		if err := writeOutput(c, path, func(w io.Writer) error { return f.write(w, run) }); err != nil {
			fail(cli.Exit(fmt.Sprintf("%s: %v", f.flag, err), exitRunError))
		}
	}
	return first
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

func parseTags(kvs []string) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// parseStartAt reads --start-at: RFC 3339 or Unix seconds; "" is now.
func parseStartAt(at string) (time.Time, error) {
	if at == "" {
		return time.Time{}, nil
	}
	if secs, err := strconv.ParseFloat(at, 64); err == nil {
		if math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 || secs > 1e11 {
			return time.Time{}, errors.New("seconds since the Unix epoch out of range")
		}
		return time.Unix(0, int64(secs*1e9)), nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds")
	}
	return t, nil
}

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

func progressWanted(c *cli.Context) bool {
	if c.Bool("quiet") {
		return false
	}
	if c.Bool("progress") {
		return true
	}
	f, ok := c.App.ErrWriter.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func printProgress(w io.Writer, p report.Progress, n client.Counters) {
	rate := 0.0
	if n.Elapsed > 0 {
		rate = float64(n.Received) / n.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "%6.1fs  sent %d  received %d  errors %d  avg %.0f msgs/s  last second: %d msgs, rtt p50 %.1f µs, p99 %.1f µs\n",
		n.Elapsed.Seconds(), n.Sent, n.Received, n.Errors, rate, p.Count, us(p.P50), us(p.P99))
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }
