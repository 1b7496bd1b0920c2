package main

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/internal/slowpeer"
	"github.com/gigadex/gigadex/report"
)

// TestCapacityKnownPeer searches a loopback peer that serves one frame per
// millisecond, 1000 msgs/s, and reads the JSON, -o and --hlog outputs. As
// in capacity's TestMeasureKnownCapacity, no search may report more than
// the peer's capacity (plus the 3% the SLO needs to see a queue grow), and
// the best of up to three must come within the precision and 15% of noise
// below it: the noise of a shared machine only makes the peer look slower.
func TestCapacityKnownPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 5 to 15 s of load")
	}
	p, err := slowpeer.Start(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	want := p.Capacity()
	lo, hi := want*0.9*0.85, want*1.03
	p.CheckCapacity(t, lo, hi, func(int) (float64, bool) {
		c, s := capacityKnownPeerOnce(t, p.Addr(), hi)
		return c, s || p.MaxLate() > 5*time.Millisecond
	})
}

// capacityKnownPeerOnce runs one search and returns the capacity found (0
// if the search did not converge) and whether the generator stalled.
func capacityKnownPeerOnce(t *testing.T, addr string, hi float64) (float64, bool) {
	dir := t.TempDir()
	outFile, hlog := filepath.Join(dir, "cap.json"), filepath.Join(dir, "cap.hlog")
	out, errs, code := runCLI(t, "", "capacity", "--addr", addr, "--slo", "p90<20ms", "--start", "350", "--max", "20k",
		"--precision", "10%", "--step", "500ms", "--warmup", "200ms", "--json", "-o", outFile, "--hlog", hlog)
	if code == exitRunError && strings.Contains(errs, "the load generator could not offer even --start") {
		t.Log(errs)
		return 0, true // this machine stalled the generator: try again
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	res, err := capacity.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("stdout is not one capacity document: %v\n%s", err, out)
	}
	t.Log(errs)
	if res.Capacity > hi {
		t.Fatalf("capacity %.0f msgs/s; want at most %.0f", res.Capacity, hi)
	}
	line := res.Line()
	if !strings.Contains(errs, line) || !strings.HasPrefix(line, "capacity: ") || !strings.Contains(line, "(SLO p90<20ms)") {
		t.Errorf("stderr lacks the verdict %q:\n%s", line, errs)
	}
	if !strings.Contains(errs, "| step | target (msgs/s) | achieved (msgs/s) |") {
		t.Errorf("stderr lacks the step table:\n%s", errs)
	}
	saved, err := os.ReadFile(outFile)
	if err != nil || string(saved) != out {
		t.Errorf("-o file differs from stdout (%v)", err)
	}
	ivs := readHlog(t, hlog)
	tags := map[string]bool{}
	for _, iv := range ivs {
		tags[iv.Tag] = true
	}
	// One tag per step, and the untagged stream of the whole search that
	// readers given no tag read.
	if len(tags) != len(res.Steps)+1 || !tags["step1_350"] || !tags[""] {
		t.Errorf("hlog tags %v for %d steps, want one per step and the untagged stream", tags, len(res.Steps))
	}
	stalled := false
	for _, s := range res.Steps {
		stalled = stalled || s.Run.MaxSendLag > 5*time.Millisecond
	}
	if res.Stop != capacity.Converged {
		t.Logf("stop %v: the machine is too noisy for this attempt", res.Stop)
		return 0, stalled
	}
	return res.Capacity, stalled
}

func TestCapacityBelowStart(t *testing.T) {
	args := []string{"capacity", "--slo", "p99<1ns", "--start", "1000", "--step", "200ms", "--warmup", "50ms"}
	out, errs, code := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Below --start the rate halves down to the floor, --start/64.
	if !strings.Contains(out, "capacity: below 15.6 msgs/s: the SLO fails even at the lowest rate tried, from the start rate 1.0 k down (SLO p99<1ns)") {
		t.Errorf("stdout lacks the verdict:\n%s", out)
	}
	if n := strings.Count(out, "| fail "); n != 7 {
		t.Errorf("%d failing steps, want 7 (1000 down to 15.6 msgs/s):\n%s", n, out)
	}
	// With --floor at --start, no search below it.
	args = append(args, "--floor", "1000")
	out, errs, code = runCLI(t, "", args...)
	if code != 0 || !strings.Contains(out, "capacity: below 1.0 k msgs/s: the SLO already fails at the start rate (SLO p99<1ns)") || strings.Count(out, "| fail ") != 1 {
		t.Errorf("--floor 1000: exit %d, stdout:\n%s%s", code, out, errs)
	}
	junit := filepath.Join(t.TempDir(), "capacity.xml")
	_, errs, code = runCLI(t, "", append(args, "--min-rate", "500", "--junit", junit)...)
	if code != exitRegression || !strings.Contains(errs, "below --min-rate") {
		t.Errorf("with --min-rate: exit %d, want 3: %s", code, errs)
	}
	// --junit: the verdict, the SLO term and --min-rate, all failed.
	doc, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if tests, failures := testutil.CheckJUnit(t, doc, junitXSD); tests != 3 || failures != 3 ||
		!strings.Contains(string(doc), `message="capacity 0.0 msgs/s is below --min-rate 500.0 msgs/s"`) {
		t.Errorf("%d cases, %d failed, want 3 and 3:\n%s", tests, failures, doc)
	}
}

// TestCapacityGeneratorLimited asks one connection with one message in
// flight for a million msgs/s: it cannot send that many, while each
// reply comes back fast, so the generator is the limit.
func TestCapacityGeneratorLimited(t *testing.T) {
	args := []string{"capacity", "--slo", "p99<100ms", "--start", "1M", "--window", "1", "--step", "300ms", "--warmup", "50ms", "--json", "--quiet"}
	// Nothing about the peer was measured: a run error, with the result
	// (and the generator's verdict) still on stdout.
	out, errs, code := runCLI(t, "", args...)
	if code != exitRunError || !strings.Contains(errs, "could not offer even --start") {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	res, err := capacity.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// The first step is run twice before the generator is blamed.
	if res.Stop != capacity.GeneratorLimited || len(res.Steps) != 2 || res.Steps[0].Outcome != capacity.Repeated || res.Steps[1].Outcome != capacity.GeneratorLimit {
		t.Fatalf("stop %v, %d steps", res.Stop, len(res.Steps))
	}
	if limited, advice := res.GeneratorLimited(); !limited || !strings.Contains(advice, "more connections") || !strings.Contains(advice, "larger window") {
		t.Errorf("generator limited %v: %q", limited, advice)
	}
	if !strings.Contains(res.Line(), "the load generator could not offer the start rate 1.0 M msgs/s") {
		t.Errorf("line %q", res.Line())
	}

}

func TestCapacityRefused(t *testing.T) {
	p, err := slowpeer.Start(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	addr := p.Addr()
	p.Close()
	out, errs, code := runCLI(t, "", "capacity", "--addr", addr, "--slo", "p99<1ms", "--connect-timeout", "1s")
	if code != exitRunError || !strings.Contains(errs, "step 1") || !strings.Contains(errs, addr) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if out != "" {
		t.Errorf("stdout %q", out)
	}
	// With --json, stdout still holds the (empty) result.
	out, _, code = runCLI(t, "", "capacity", "--addr", addr, "--slo", "p99<1ms", "--connect-timeout", "1s", "--json", "-q")
	if res, err := capacity.ReadJSON(strings.NewReader(out)); code != exitRunError || err != nil || len(res.Steps) != 0 {
		t.Errorf("--json: exit %d, %v, stdout %q", code, err, out)
	}
}

func TestCapacityUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"--slo", "p99>1ms"},
		{"--slo", "msgs_per_sec<100"},
		{"--slo", "p99<1ms", "--start", "0"},
		{"--slo", "p99<1ms", "--start", "ten"},
		{"--slo", "p99<1ms", "--start", "10k", "--max", "5k"},
		{"--slo", "p99<1ms", "--precision", "0"},
		{"--slo", "p99<1ms", "--precision", "150%"},
		{"--slo", "p99<1ms", "--conns", "0"},
		{"--slo", "p99<1ms", "--conns", "20", "--start", "10"},
		{"--slo", "p99<1ms", "--window", "-1"},
		{"--slo", "p99<1ms", "--min-rate", "x"},
		{"--slo", "p99<1ms", "--step", "0s"},
		{"--slo", "p99<1ms", "--mix", "bogus=1"},
		{"--slo", "p99<1ms", "--reply", "bogus"},
		{"--slo", "p99<1ms", "-o", filepath.Join(dir, "missing", "x.json")},
		{"--slo", "p99<1ms", "extra"},
		{"--slo", "p99<1ms", "--addr", "localhost"},
		{"--slo", "p99<1ms", "--addr", "127.0.0.1:99999"},
		{"--slo", "p99<1ms", "--connect-timeout", "1us"},
		{"--slo", "p99<1ms", "--step", "1ns"},
		{"--slo", "p99<1ms", "--conns", "NaN"},
	} {
		start := time.Now()
		out, errs, code := runCLI(t, "", append([]string{"capacity"}, args...)...)
		if code != exitUsage || out != "" || strings.TrimSpace(errs) == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v: usage error after %v", args, d)
		}
	}
}

func TestCapacityInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	defer cancel()
	var out, errb bytes.Buffer
	// Steps of 600 ms from 100 msgs/s: the third (400 msgs/s, a rate any
	// machine keeps) is under way when the interrupt comes.
	code := run(ctx, []string{"gigadex", "capacity", "--slo", "p99<1s", "--start", "100", "--step", "600ms", "--warmup", "50ms"}, strings.NewReader(""), &out, &errb)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "capacity: interrupted") || !strings.Contains(out.String(), "| step |") {
		t.Errorf("stdout lacks the steps and the verdict:\n%s", out.String())
	}
}

// fakeCapacityResult runs a search against a driver with no network whose
// peer holds 20 µs up to 50k msgs/s and 5 ms above.
func fakeCapacityResult(t *testing.T) *capacity.Result {
	t.Helper()
	slo, err := capacity.ParseSLO("p99<1ms,p99.9<2ms")
	if err != nil {
		t.Fatal(err)
	}
	drive := func(_ context.Context, cfg client.LoadConfig) (*report.Run, error) {
		r := report.NewRun("capacity", "fake", 1)
		r.TargetRate, r.Elapsed, r.Start = cfg.Rate, cfg.Duration, time.Now()
		r.Sent = int64(cfg.Rate * cfg.Duration.Seconds())
		r.Received = r.Sent
		lat := int64(20_000)
		if cfg.Rate > 50e3 {
			lat = 5_000_000
		}
		r.Uncorrected = report.NewHistogram()
		r.RTT.RecordValues(lat, r.Sent-r.Sent/100)
		r.RTT.RecordValues(lat*3, r.Sent/100)
		r.Uncorrected.Merge(r.RTT)
		return r, nil
	}
	res, err := capacity.Measure(context.Background(), capacity.Config{Load: client.LoadConfig{Addr: "fake"}, SLO: slo, Start: 5e3, Step: time.Second, Drive: drive})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCapacityPlot(t *testing.T) {
	dir := t.TempDir()
	res := fakeCapacityResult(t)
	js := filepath.Join(dir, "cap.json")
	var doc bytes.Buffer
	if err := capacity.WriteJSON(&doc, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, doc.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "cap.png")
	if _, errs, code := runCLI(t, "", "report", "plot", js, "-o", pngPath); code != 0 {
		t.Fatalf("report plot: exit %d: %s", code, errs)
	}
	testutil.CheckPNG(t, pngPath, image.Point{768, 480})

	// The same from stdin, as SVG.
	data, _ := os.ReadFile(js)
	svg := filepath.Join(dir, "cap.svg")
	if _, errs, code := runCLI(t, string(data), "report", "plot", "-", "-o", svg); code != 0 {
		t.Fatalf("report plot -: exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "SLO p99&lt;1ms", "capacity 50.0 k msgs/s", "achieved throughput"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("svg lacks %q", want)
		}
	}

	// A capacity result is not overlaid on runs.
	run := writeResult(t, dir, "run.json", 100, time.Microsecond, 2*time.Microsecond, nil)
	if _, _, code := runCLI(t, "", "report", "plot", js, run, "-o", filepath.Join(dir, "x.png")); code != exitUsage {
		t.Errorf("capacity with a run: exit %d, want 2", code)
	}
	if _, _, code := runCLI(t, "", "report", "plot", "--over-time", js, "-o", filepath.Join(dir, "x.png")); code != exitUsage {
		t.Errorf("--over-time on a capacity result: exit %d, want 2", code)
	}
	// A run still plots as before.
	if _, errs, code := runCLI(t, "", "report", "plot", run, "-o", filepath.Join(dir, "run.png")); code != 0 {
		t.Errorf("plot of a run: exit %d: %s", code, errs)
	}
}
