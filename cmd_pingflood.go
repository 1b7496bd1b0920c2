package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/report"
)

// Flags shared by ping and flood.
var (
	addrFlag         = &cli.StringFlag{Name: "addr", Usage: "peer `HOST:PORT`; without it an in-process echo server on 127.0.0.1 is started", EnvVars: []string{"GIGADEX_ADDR"}}
	connsFlag        = &cli.IntFlag{Name: "conns", Aliases: []string{"c"}, Usage: "number of connections"}
	durationFlag     = &cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Usage: "measured window, after the warmup (0: none)"}
	warmupFlag       = &cli.StringFlag{Name: "warmup", Usage: "warmup excluded from the histograms: a duration (1s) or a message count (1000)"}
	rateFlag         = &cli.Float64Flag{Name: "rate", Usage: "open loop: messages/s in total, on a fixed schedule; latency is corrected for coordinated omission (0: closed loop)"}
	replyFlag        = &cli.StringFlag{Name: "reply", Value: "echo", Usage: "what the peer answers, and replies are checked against: echo or exchange"}
	jsonFlag         = &cli.BoolFlag{Name: "json", Usage: "print the result as one JSON document on stdout (the table goes to stderr)"}
	outFlag          = &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "also write the JSON result to `FILE`"}
	hlogFlag         = &cli.StringFlag{Name: "hlog", Usage: "write an HdrHistogram interval log (1 s intervals, one tag per message type) to `FILE`"}
	hgrmFlag         = &cli.StringFlag{Name: "hgrm", Usage: "write the percentile spectrum (.hgrm) to `FILE`"}
	thresholdFlag    = &cli.StringSliceFlag{Name: "threshold", Usage: "absolute check at the end, e.g. 'p99<50us' or 'msgs_per_sec>100000'; exit 3 on failure"}
	tagFlag          = &cli.StringSliceFlag{Name: "tag", Usage: "label the result, `KEY=VALUE` (e.g. agent=a1)"}
	startAtFlag      = &cli.StringFlag{Name: "start-at", Usage: "wait until `TIME` (RFC 3339, or Unix seconds) before starting, so several agents start together"}
	progressFlag     = &cli.BoolFlag{Name: "progress", Usage: "print a progress line every second on stderr even when it is not a terminal"}
	quietFlag        = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no table (with --json, only the JSON)"}
	reconnectFlag    = &cli.BoolFlag{Name: "reconnect", Usage: "redial a failed connection with backoff and carry on, counting the gap"}
	replyTimeoutFlag = &cli.DurationFlag{Name: "reply-timeout", Value: 10 * time.Second, Usage: "fail a connection that gets no reply for this long while messages are in flight"}
	blockingFlag     = &cli.BoolFlag{Name: "blocking", Usage: "blocking read(2) on the socket instead of Go's network poller: lower rtt, one OS thread per waiting connection"}
	busyPollFlag     = &cli.BoolFlag{Name: "busy-poll", Usage: "spin on non-blocking reads instead of sleeping in the network poller: lowest rtt, one busy core per waiting connection"}
	tlsCAFlag        = &cli.StringFlag{Name: "tls-ca", Usage: "speak TLS, trusting the PEM certificates in `FILE` (the peer's certificate or its CA)"}
	tlsNameFlag      = &cli.StringFlag{Name: "tls-server-name", Usage: "with --tls-ca, the name to verify in the peer's certificate (default: the host of --addr)"}
	seedFlag         = &cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the message mix"}
	cpuProfFlag      = &cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile to `FILE`"}
	memProfFlag      = &cli.StringFlag{Name: "memprofile", Usage: "write a heap profile to `FILE` at the end"}
)

func loadFlags(defConns int, defDuration time.Duration, defWarmup string) []cli.Flag {
	c := *connsFlag
	c.Value = defConns
	d := *durationFlag
	d.Value = defDuration
	w := *warmupFlag
	w.Value = defWarmup
	return []cli.Flag{addrFlag, &c, &d, &w, rateFlag, replyFlag, jsonFlag, outFlag, hlogFlag, hgrmFlag,
		thresholdFlag, tagFlag, startAtFlag, progressFlag, quietFlag, reconnectFlag, replyTimeoutFlag, blockingFlag, busyPollFlag, tlsCAFlag, tlsNameFlag, seedFlag, cpuProfFlag, memProfFlag}
}

var pingCommand = &cli.Command{
	Name:  "ping",
	Usage: "measure round-trip time (rtt) percentiles, one message in flight per connection",
	UsageText: "gigadex ping [--addr HOST:PORT] [--conns N] [--count N] [--duration D] [--warmup D|N] [--rate R] [--msg heartbeat|order] [--json]\n" +
		"   with no --addr, an in-process echo server on 127.0.0.1 is used",
	Flags: append(loadFlags(1, 0, "1000"),
		&cli.Int64Flag{Name: "count", Aliases: []string{"n"}, Value: 10000, Usage: "measured round trips in all, after the warmup (0: none; the run ends at --count or --duration, whichever comes first)"},
		&cli.StringFlag{Name: "msg", Value: "heartbeat", Usage: "message type: heartbeat or order"},
	),
	Action: func(c *cli.Context) error {
		cfg, err := loadConfig(c, "ping")
		if err != nil {
			return err
		}
		cfg.Count = c.Int64("count")
		switch m := c.String("msg"); m {
		case "heartbeat", "order":
			cfg.Mix, _ = client.ParseMix(m)
		default:
			return usagef("--msg %q: want heartbeat or order", m)
		}
		if cfg.Count == 0 && cfg.Duration == 0 {
			return usagef("give --count or --duration")
		}
		return runLoad(c, cfg)
	},
}

var floodCommand = &cli.Command{
	Name:  "flood",
	Usage: "measure throughput with pipelined messages, and the rtt of every message under load",
	UsageText: "gigadex flood [--addr HOST:PORT] [--conns N] [--window K] [--duration D] [--rate R] [--mix order=90,cancel=10] [--reply echo|exchange] [--json]\n" +
		"   with no --addr, an in-process echo server on 127.0.0.1 is used",
	Flags: append(loadFlags(4, 10*time.Second, "1s"),
		&cli.IntFlag{Name: "window", Aliases: []string{"w"}, Value: 256, Usage: "messages in flight per connection"},
		&cli.StringFlag{Name: "mix", Value: "order=90,cancel=10", Usage: "message types in percent (heartbeat, order, order_ack, trade, cancel, cancel_ack); seeded and reproducible"},
		&cli.Int64Flag{Name: "count", Aliases: []string{"n"}, Usage: "stop after this many measured messages in all (0: none)"},
	),
	Action: func(c *cli.Context) error {
		cfg, err := loadConfig(c, "flood")
		if err != nil {
			return err
		}
		cfg.Window = c.Int("window")
		cfg.Count = c.Int64("count")
		if cfg.Window < 1 {
			return usagef("--window must be at least 1, not %d", cfg.Window)
		}
		if cfg.Mix, err = client.ParseMix(c.String("mix")); err != nil {
			return usagef("--mix: %v", err)
		}
		if cfg.Count == 0 && cfg.Duration == 0 {
			return usagef("give --duration or --count")
		}
		return runLoad(c, cfg)
	},
}

// loadConfig reads the flags shared by ping and flood.
func loadConfig(c *cli.Context, command string) (client.LoadConfig, error) {
	cfg := client.LoadConfig{
		Command:      command,
		Addr:         c.String("addr"),
		Conns:        c.Int("conns"),
		Duration:     c.Duration("duration"),
		Rate:         c.Float64("rate"),
		Seed:         c.Uint64("seed"),
		Reconnect:    c.Bool("reconnect"),
		ReplyTimeout: c.Duration("reply-timeout"),
	}
	if cfg.ReplyTimeout <= 0 {
		return cfg, usagef("--reply-timeout must be positive")
	}
	if ca := c.String("tls-ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return cfg, usagef("--tls-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, usagef("--tls-ca %s: no PEM certificate in it", ca)
		}
		cfg.Options = append(cfg.Options, client.WithTLS(&tls.Config{RootCAs: pool, ServerName: c.String("tls-server-name"), MinVersion: tls.VersionTLS12}))
	}
	if c.Bool("blocking") {
		cfg.Options = append(cfg.Options, client.WithBlockingIO(true))
	}
	if c.Bool("busy-poll") {
		cfg.Options = append(cfg.Options, client.WithBusyPoll(true))
	}
	if cfg.Conns < 1 {
		return cfg, usagef("--conns must be at least 1, not %d", cfg.Conns)
	}
	if cfg.Rate < 0 {
		return cfg, usagef("--rate must not be negative")
	}
	if cfg.Rate > 0 && cfg.Rate < float64(cfg.Conns) {
		return cfg, usagef("--rate %g is below the number of connections (%d): each connection needs at least 1 msg/s", cfg.Rate, cfg.Conns)
	}
	if cfg.Duration < 0 {
		return cfg, usagef("--duration must not be negative")
	}
	var err error
	if cfg.Expect, err = client.ParseExpect(c.String("reply")); err != nil {
		return cfg, usagef("--reply: %v", err)
	}
	if w := c.String("warmup"); w != "" {
		if n, err := strconv.ParseInt(w, 10, 64); err == nil && n >= 0 {
			cfg.WarmupCount = n
		} else if d, err := time.ParseDuration(w); err == nil && d >= 0 {
			cfg.Warmup = d
		} else {
			return cfg, usagef("--warmup %q: want a duration (1s) or a message count (1000)", w)
		}
	}
	for _, t := range c.StringSlice("threshold") {
		if _, err := report.ParseThreshold(t); err != nil {
			return cfg, usagef("--threshold: %v", err)
		}
	}
	for _, t := range c.StringSlice("tag") {
		if k, _, ok := strings.Cut(t, "="); !ok || k == "" {
			return cfg, usagef("--tag %q: want KEY=VALUE", t)
		}
	}
	return cfg, nil
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
		var logger *log.Logger
		if !c.Bool("quiet") {
			logger = log.New(stderr, "", 0)
		}
		reply := echo.ReplyEcho
		if cfg.Expect == client.ExpectExchange {
			reply = echo.ReplyExchange
		}
		srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithReply(reply), echo.WithLogger(logger))
		if err != nil {
			return cli.Exit(fmt.Sprintf("in-process echo server: %v", err), exitRunError)
		}
		defer srv.Close()
		cfg.Addr = addr.String()
		if !c.Bool("quiet") {
			fmt.Fprintf(stderr, "no --addr given: started an in-process echo server on %s\n", cfg.Addr)
		}
	}
	if err := waitStart(ctx, c.String("start-at")); err != nil {
		return err
	}
	if progressWanted(c) {
		cfg.Progress = func(p report.Progress, n client.Counters) { printProgress(stderr, p, n) }
	}
	run, err := client.Run(ctx, cfg)
	if run == nil {
		return cli.Exit(fmt.Sprintf("%s: %v", cfg.Command, err), exitRunError)
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
	if werr := writeOutputs(c, run); werr != nil {
		return werr
	}
	if w := generatorWarning(run); w != "" && !c.Bool("quiet") {
		fmt.Fprintln(stderr, w)
	}
	if p := c.String("memprofile"); p != "" {
		if err := writeHeapProfile(p); err != nil {
			fmt.Fprintln(stderr, "gigadex: --memprofile:", err)
		}
	}
	switch {
	case run.Interrupted:
		return cli.Exit("interrupted: the results above cover what was measured until then", exitInterrupted)
	case err != nil:
		return cli.Exit(fmt.Sprintf("%s: %v", cfg.Command, err), exitRunError)
	case run.Errors > 0:
		return cli.Exit(fmt.Sprintf("%s: %d errors (see error samples above)", cfg.Command, run.Errors), exitRunError)
	}
	for _, t := range run.Thresholds {
		fmt.Fprintln(stderr, t)
	}
	if !thresholdsOK {
		return cli.Exit("thresholds failed", exitRegression)
	}
	return nil
}

// writeOutputs prints the table or JSON and writes the requested files.
func writeOutputs(c *cli.Context, run *report.Run) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	quiet := c.Bool("quiet")
	if c.Bool("json") {
		if err := report.WriteJSON(stdout, run); err != nil {
			return cli.Exit(fmt.Sprintf("writing JSON: %v", err), exitRunError)
		}
		if !quiet {
			report.WriteTable(stderr, run)
		}
	} else if !quiet {
		if err := report.WriteTable(stdout, run); err != nil {
			return cli.Exit(fmt.Sprintf("writing the table: %v", err), exitRunError)
		}
	}
	files := []struct {
		flag  string
		write func(io.Writer, *report.Run) error
	}{{"out", report.WriteJSON}, {"hlog", report.WriteHistogramLog}, {"hgrm", report.WritePercentiles}}
	for _, f := range files {
		path := c.String(f.flag)
		if path == "" {
			continue
		}
		if err := writeFile(path, func(w io.Writer) error { return f.write(w, run) }); err != nil {
			return cli.Exit(fmt.Sprintf("--%s: %v", f.flag, err), exitRunError)
		}
	}
	return nil
}

// writeFile writes a file completely or not at all: it writes a temporary
// file next to path and renames it into place.
func writeFile(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".gigadex-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
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

// generatorWarning explains, loudly, a rate-limited run whose generator did
// not keep to its schedule: its corrected latencies include that lag.
func generatorWarning(run *report.Run) string {
	if run.TargetRate <= 0 || run.Elapsed <= 0 {
		return ""
	}
	achieved := run.AchievedRate()
	late := run.LateSends
	lag := float64(run.MaxSendLag) / 1e6
	short := achieved < 0.95*run.TargetRate
	lateShare := float64(late) / float64(max(run.Sent, 1))
	if !short && lateShare < 0.01 {
		return ""
	}
	return fmt.Sprintf("WARNING: the load generator could not keep up: %.0f of the target %.0f msgs/s (%.1f%%); %d sends (%.1f%%) left more than %v behind schedule, the worst %.1f ms. Corrected latencies include this lag: use fewer msgs/s, more connections or a larger --window, or another machine for the generator.",
		achieved, run.TargetRate, 100*achieved/run.TargetRate, late, 100*lateShare, client.LateSend, lag)
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

// waitStart sleeps until --start-at.
func waitStart(ctx context.Context, at string) error {
	if at == "" {
		return nil
	}
	var t time.Time
	if secs, err := strconv.ParseFloat(at, 64); err == nil {
		t = time.Unix(0, int64(secs*1e9))
	} else if t, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return usagef("--start-at %q: want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds", at)
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
