package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

func TestPingInProcessTable(t *testing.T) {
	out, errs, code := runCLI(t, "", "ping", "--count", "500", "--warmup", "50")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"| rtt ", "| p50 ", "| p99.99 ", "| stddev ", "msgs/s", "measured window", "GOMAXPROCS="} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "in-process echo server on 127.0.0.1:") {
		t.Errorf("stderr does not say an in-process server was started: %q", errs)
	}
}

func TestFloodJSON(t *testing.T) {
	dir := t.TempDir()
	hlog := filepath.Join(dir, "run.hlog")
	out, errs, code := runCLI(t, "", "flood", "--duration", "300ms", "--warmup", "100ms", "--conns", "2", "--window", "32",
		"--json", "--quiet", "--hlog", hlog, "--tag", "agent=a1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	for _, k := range []string{"command", "addr", "connections", "config", "sent", "received", "errors", "duration_s", "msgs_per_sec", "bytes_per_sec", "latency_ns", "histogram"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	run, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if run.Received == 0 || run.RTT.TotalCount() != run.Received || run.Tags["agent"] != "a1" {
		t.Errorf("received %d, histogram %d, tags %v", run.Received, run.RTT.TotalCount(), run.Tags)
	}
	if ivs := readHlog(t, hlog); len(ivs) == 0 {
		t.Fatal("hlog: no intervals")
	}
}

func TestLoadUsageErrors(t *testing.T) {
	tests := [][]string{
		{"ping", "--conns", "0"},
		{"flood", "--conns", "4", "--rate", "2"},
		{"flood", "--window", "0"},
		{"flood", "--mix", "order=50"},
		{"ping", "--msg", "trade"},
		{"ping", "--warmup", "soon"},
		{"ping", "--threshold", "p99<50"},
		{"ping", "--threshold", "msgs_per_sec>NaN"},
		{"capacity", "--slo", "msgs_per_sec>1"},
		{"capacity", "--slo", "p99<NaNms"},
		{"ping", "--reply", "sometimes"},
	}
	for _, args := range tests {
		_, errs, code := runCLI(t, "", args...)
		if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line", args, code, errs)
		}
	}
}

func TestPingUnreachablePeer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, errs, code := runCLI(t, "", "ping", "--addr", addr, "--count", "10")
	if code != 1 || !strings.Contains(errs, "connection refused") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	// The error alone: no table of dashes on either stream.
	if out != "" || strings.Contains(errs, "+--") {
		t.Errorf("a failed connect printed a table: stdout %q, stderr %q", out, errs)
	}
	// With --json the document still comes, with the error in it.
	out, _, code = runCLI(t, "", "ping", "--addr", addr, "--count", "10", "--json")
	if code != 1 || !strings.Contains(out, `"connection refused`) && !strings.Contains(out, "connection refused") {
		t.Errorf("--json: exit %d, stdout %q", code, out)
	}
}

func TestFloodInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(400*time.Millisecond, cancel)
	dir := t.TempDir()
	outFile := filepath.Join(dir, "r.json")
	var out, errb bytes.Buffer
	code := run(ctx, []string{"gigadex", "flood", "--duration", "1m", "--warmup", "0", "--json", "-o", outFile, "--quiet"}, strings.NewReader(""), &out, &errb)
	if code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, errb.String())
	}
	for _, src := range []string{out.String(), readFile(t, outFile)} {
		run, err := report.ReadJSON(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if !run.Interrupted || run.Received == 0 {
			t.Errorf("interrupted %v, received %d", run.Interrupted, run.Received)
		}
	}
	if !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stderr %q", errb.String())
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs codec benchmarks")
	}
	out, errs, code := runCLI(t, "", "bench", "--json", "--count", "300", "--duration", "300ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.PingP50Ns <= 0 || r.MsgsPerSec <= 0 || r.SerializeNs <= 0 || r.DeserializeNs <= 0 {
		t.Fatalf("%+v", r)
	}
}

// TestGeneratorAdvice: the warning names the flags of its command.
func TestGeneratorAdvice(t *testing.T) {
	run := report.NewRun("ping", "127.0.0.1:9000", 2)
	run.TargetRate = 1000
	run.Sent = 400
	run.Elapsed = 2 * time.Second // 200 msgs/s: 20% of the target
	w := report.GeneratorWarning(run, generatorAdvice("ping"))
	for _, want := range []string{"sent 200 msgs/s, 20.0% of the target 1000 msgs/s", "use a lower --rate, more --conns, or another machine"} {
		if !strings.Contains(w, want) {
			t.Errorf("ping warning lacks %q: %s", want, w)
		}
	}
	if strings.Contains(w, "--window") {
		t.Errorf("ping has no --window, but the warning suggests it: %s", w)
	}
	if w := report.GeneratorWarning(run, generatorAdvice("flood")); !strings.Contains(w, "--window") {
		t.Errorf("flood warning does not suggest --window: %s", w)
	}
}

// TestBenchFailures: bench always gives a script its JSON, and an
// interrupt prints what was measured until then, with exit 130.
func TestBenchFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	out, errs, code := runCLI(t, "", "bench", "--addr", addr, "--json", "--connect-timeout", "1s")
	var r benchResult
	if code != exitRunError || json.Unmarshal([]byte(out), &r) != nil || r.Schema != "gigadex.bench/v1" || r.PingP50Ns != 0 {
		t.Errorf("unreachable peer: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(800*time.Millisecond, cancel) // during the throughput run
	defer cancel()
	var stdout, stderr bytes.Buffer
	code = run(ctx, []string{"gigadex", "bench", "--count", "300", "--duration", "30s"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stdout.String(), "ping-pong rtt p50") || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("interrupted: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestFloodAgainstBook: flood against an in-process order book counts the
// Trades as unsolicited, times fills (JSON, table, hlog tag, threshold).
func TestFloodAgainstBook(t *testing.T) {
	dir := t.TempDir()
	hlog := filepath.Join(dir, "run.hlog")
	out, errs, code := runCLI(t, "", "flood", "--reply", "book", "--count", "4000", "--warmup", "0", "--conns", "2", "--window", "16",
		"--json", "--quiet", "--hlog", hlog, "--threshold", "fill_p99<1h", "--tag", "agent=7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Unsolicited map[string]int64 `json:"unsolicited"`
		Fill        *struct {
			Count int64 `json:"count"`
		} `json:"fill_latency_ns"`
		FillHistogram string `json:"fill_histogram"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Unsolicited["trade"] == 0 || doc.Fill == nil || doc.Fill.Count == 0 || doc.FillHistogram == "" {
		t.Fatalf("unsolicited %v, fill %+v: no trades or no fills", doc.Unsolicited, doc.Fill)
	}
	run, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if run.Fill.TotalCount() != doc.Fill.Count || len(run.Thresholds) != 1 || !run.Thresholds[0].Pass {
		t.Errorf("read back %d fills, thresholds %+v", run.Fill.TotalCount(), run.Thresholds)
	}
	fill := false
	for _, iv := range readHlog(t, hlog) {
		fill = fill || iv.Tag == "fill"
	}
	if !fill {
		t.Error("hlog has no fill interval")
	}
	res := filepath.Join(dir, "run.json")
	if err := os.WriteFile(res, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	table, errs, code := runCLI(t, "", "report", "table", res)
	if code != 0 || !strings.Contains(table, "| order to fill ") || !strings.Contains(table, "| unsolicited ") {
		t.Errorf("report table: exit %d (%s), no fill table or unsolicited line:\n%s", code, errs, table)
	}
}

// TestEchoExpectedFromExchange: --reply echo against a peer that acks
// Orders fails with the hint to use --reply exchange.
func TestEchoExpectedFromExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithReply(wire.ReplyExchange), echo.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, errs, code := runCLI(t, "", "ping", "--addr", addr.String(), "--msg", "order", "--count", "50", "--warmup", "0")
	if code != exitRunError || !strings.Contains(errs, "try --reply exchange") {
		t.Errorf("echo expected: exit %d, want %d with a hint: %s", code, exitRunError, errs)
	}
	_, errs, code = runCLI(t, "", "ping", "--addr", addr.String(), "--msg", "order", "--reply", "exchange", "--count", "50", "--warmup", "0", "--strict")
	if code != 0 {
		t.Errorf("an exchange that sends nothing unasked, under --strict: exit %d: %s", code, errs)
	}
}

// TestProgressReportsTheSecondThatEnded runs ping with --progress: the
// line after the first second of the window counts that second's round
// trips (not zero, as when the line came before the second was closed),
// with numbers and latencies in the tables' units.
func TestProgressReportsTheSecondThatEnded(t *testing.T) {
	_, errs, code := runCLI(t, "", "ping", "--duration", "2500ms", "--warmup", "100", "--progress")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var first string
	for line := range strings.SplitSeq(errs, "\n") {
		if strings.Contains(line, "second 1:") {
			first = line
		}
	}
	if first == "" || strings.Contains(first, "second 1: 0 msgs") || !strings.Contains(first, "rtt p50 ") || !strings.Contains(first, "msgs/s") {
		t.Fatalf("first progress line %q in %q", first, errs)
	}
}

// TestInterruptBeforeStartAt: SIGINT during the --start-at wait prints an
// empty result marked interrupted, on stdout and in the -o file, and exits
// 130.
func TestInterruptBeforeStartAt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	at := strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"gigadex", "ping", "--start-at", at, "--json", "-o", out, "--count", "10"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr %q", code, stderr.String())
	}
	for name, read := range map[string]func() ([]byte, error){
		"stdout": func() ([]byte, error) { return stdout.Bytes(), nil },
		"-o":     func() ([]byte, error) { return os.ReadFile(out) },
	} {
		b, err := read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, err := report.ReadJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		if !r.Interrupted || r.Sent != 0 {
			t.Errorf("%s: interrupted %v, sent %d: want an empty result marked interrupted", name, r.Interrupted, r.Sent)
		}
	}
}

// TestReplayMessages: --messages replays JSON lines and encoded frames.
func TestReplayMessages(t *testing.T) {
	dir := t.TempDir()
	lines := filepath.Join(dir, "msgs.jsonl")
	if err := os.WriteFile(lines, []byte(`{"Order":{"id":5,"price":100,"quantity":2,"side":"Buy"}}`+"\n"+`{"CancelOrder":{"id":5}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	frames := filepath.Join(dir, "msgs.bin")
	b := wire.AppendFrame(nil, wire.Order{ID: 5, Price: 100, Quantity: 2, Side: wire.Sell})
	b = wire.AppendFrame(b, wire.Heartbeat{Timestamp: 1})
	if err := os.WriteFile(frames, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"ping", "--messages", lines, "--count", "100"},
		{"flood", "--messages", frames, "--reply", "exchange", "--count", "1000"},
		{"flood", "--messages", lines, "--reply", "book", "--count", "1000"},
	} {
		out, errs, code := runCLI(t, "", append(args, "--warmup", "0", "--json", "--quiet")...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errs)
			continue
		}
		run, err := report.ReadJSON(strings.NewReader(out))
		if err != nil || run.Errors != 0 || run.Received == 0 {
			t.Errorf("%v: %v, %+v", args, err, run)
		}
	}
	if _, errs, code := runCLI(t, "", "ping", "--messages", filepath.Join(dir, "none")); code != 2 || !strings.Contains(errs, "--messages") {
		t.Errorf("a missing file: exit %d, %s", code, errs)
	}
}
