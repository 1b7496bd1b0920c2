package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/table"
	"github.com/gigadex/gigadex/wire"
)

// The original crate's published figures (Apple M1).
const (
	origRTT        = 19 * time.Microsecond
	origMsgsPerSec = 430_000
	origSerNs      = 45
	origDeNs       = 11
)

// benchResult is the JSON form of `gigadex bench --json`.
type benchResult struct {
	Schema         string     `json:"schema"`
	Addr           string     `json:"addr"`
	PingP50Ns      int64      `json:"ping_rtt_p50_ns"`
	PingP99Ns      int64      `json:"ping_rtt_p99_ns"`
	MsgsPerSec     float64    `json:"msgs_per_sec"`
	SerializeNs    float64    `json:"serialize_order_ns"`
	DeserializeNs  float64    `json:"deserialize_order_ns"`
	SerializeAlloc int64      `json:"serialize_allocs_per_op"`
	DeserAlloc     int64      `json:"deserialize_allocs_per_op"`
	Env            report.Env `json:"env"`
}

// benchOptions are the settings of bench, bound to its flags.
type benchOptions struct {
	addr                  string
	json                  bool
	count, conns, window  int64
	duration, connTimeout time.Duration
}

func newBenchCommand() *cli.Command {
	o := &benchOptions{count: 20000, duration: 3 * time.Second, conns: 4, window: 256, connTimeout: client.DefaultConnectTimeout}
	return &cli.Command{
		Name:  "bench",
		Usage: "reproduce the original crate's benchmark table on this machine (rtt, throughput, serialization)",
		Flags: []cli.Flag{
			addrFlag(&o.addr),
			boolFlag(&o.json, "json", nil, "print the result as one JSON document on stdout (the table goes to stderr)"),
			countFlag(&o.count, nil, "count", []string{"n"}, rangeOf[int64]{min: 1, max: maxCount}, "ping-pong round trips"),
			durFlag(&o.duration, nil, "duration", []string{"d"}, rangeOf[time.Duration]{min: 10 * time.Millisecond, max: maxDuration}, "length of the throughput run"),
			connsFlag(&o.conns),
			windowFlag(&o.window, 1, "", "messages in flight per connection in the throughput run"),
			connectTimeoutFlag(&o.connTimeout),
		},
		Action: func(c *cli.Context) error { return runBench(c, o) },
	}
}

func runBench(c *cli.Context, o *benchOptions) error {
	if err := noArgs(c); err != nil {
		return err
	}
	res := benchResult{Schema: "gigadex.bench/v1", Addr: o.addr, Env: report.CurrentEnv()}
	connectTimeout := o.connTimeout
	if res.Addr == "" {
		srv, addr, err := echo.Start(c.Context, "127.0.0.1:0", echo.WithLogger(log.New(c.App.ErrWriter, "", 0)))
		if err != nil {
			return cli.Exit(fmt.Sprintf("bench: in-process echo server: %v", err), exitRunError)
		}
		defer srv.Close()
		res.Addr = addr.String()
	}
	ping, err := client.Run(c.Context, client.LoadConfig{Command: "ping", Addr: res.Addr, Count: o.count,
		WarmupCount: defaultWarmupCount, Warmup: defaultWarmup, ConnectTimeout: connectTimeout})
	if ping != nil && ping.RTT != nil && ping.RTT.TotalCount() > 0 {
		res.PingP50Ns = ping.RTT.ValueAtPercentile(50)
		res.PingP99Ns = ping.RTT.ValueAtPercentile(99)
	}
	if err != nil {
		return benchFail(c, o.json, res, "ping", err)
	}
	mix, _ := client.ParseMix("order")
	flood, err := client.Run(c.Context, client.LoadConfig{Command: "flood", Addr: res.Addr, Conns: int(o.conns),
		Window: int(o.window), Duration: o.duration, Warmup: 500 * time.Millisecond, Mix: mix,
		ConnectTimeout: connectTimeout})
	if flood != nil {
		res.MsgsPerSec = flood.MsgsPerSec()
	}
	if err != nil {
		return benchFail(c, o.json, res, "flood", err)
	}
	ser, de := codecBenchmarks()
	res.SerializeNs, res.SerializeAlloc = float64(ser.T.Nanoseconds())/float64(ser.N), ser.AllocsPerOp()
	res.DeserializeNs, res.DeserAlloc = float64(de.T.Nanoseconds())/float64(de.N), de.AllocsPerOp()
	return benchWrite(c, o.json, res)
}

// benchWrite prints the result: the table, or with --json the JSON on
// stdout and the table on stderr.
func benchWrite(c *cli.Context, jsonOut bool, res benchResult) error {
	if jsonOut {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
		return writeBenchTable(c.App.ErrWriter, res)
	}
	return writeBenchTable(c.App.Writer, res)
}

// benchFail ends bench after a failed run: exit 130 if interrupted, else 1.
// What was measured until then is printed first when interrupted, and
// with --json always, so that a script gets its document.
func benchFail(c *cli.Context, jsonOut bool, res benchResult, what string, err error) error {
	interrupted := c.Context.Err() != nil
	if interrupted || jsonOut {
		if werr := benchWrite(c, jsonOut, res); werr != nil {
			return werr
		}
	}
	if interrupted {
		return cli.Exit(fmt.Sprintf("bench: %s: interrupted: the results above cover what was measured until then", what), exitInterrupted)
	}
	return cli.Exit(fmt.Sprintf("bench: %s: %v", what, err), exitRunError)
}

// codecBenchmarks measures encoding an Order and decoding one (parse,
// validate and copy out), as the original's serialize/deserialize figures.
func codecBenchmarks() (ser, de testing.BenchmarkResult) {
	o := wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Buy}
	ser = testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, wire.FrameLen)
		for b.Loop() {
			o.ID++
			buf = wire.AppendOrder(buf[:0], &o)
		}
	})
	frame := wire.AppendOrder(nil, &o)
	de = testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		var out wire.Order
		for b.Loop() {
			v, _, err := wire.ParseFrame(frame)
			if err != nil || !v.CopyOrder(&out) {
				b.Fatal("decode failed")
			}
		}
	})
	return ser, de
}

func writeBenchTable(w io.Writer, r benchResult) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignment(tw.AlignRight),
	)
	t.Header("metric", "gigadex (this machine)", "original (Apple M1)")
	rows := [][]string{
		{"ping-pong rtt p50", fmt.Sprintf("%.1f µs", float64(r.PingP50Ns)/1e3), fmt.Sprintf("~%d µs", origRTT/time.Microsecond)},
		{"ping-pong rtt p99", fmt.Sprintf("%.1f µs", float64(r.PingP99Ns)/1e3), "n/a"},
		{"throughput", table.MsgRate(r.MsgsPerSec), "~" + table.MsgRate(origMsgsPerSec)},
		{"serialize Order", fmt.Sprintf("%.1f ns, %d allocs", r.SerializeNs, r.SerializeAlloc), fmt.Sprintf("~%d ns", origSerNs)},
		{"deserialize Order", fmt.Sprintf("%.1f ns, %d allocs", r.DeserializeNs, r.DeserAlloc), fmt.Sprintf("~%d ns", origDeNs)},
	}
	if err := t.Bulk(rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	e := r.Env
	_, err := fmt.Fprintf(w, "peer %s; env: %s GOMAXPROCS=%d CPUs=%d %s/%s\n", r.Addr, e.GoVersion, e.GOMAXPROCS, e.NumCPU, e.OS, e.Arch)
	return err
}
