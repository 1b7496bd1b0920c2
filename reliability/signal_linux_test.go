package reliability_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
)

// signalSeedEnv sets the seed of the tests that send signals at random
// moments, to replay a failure; by default it comes from the clock and is
// logged.
const signalSeedEnv = "GIGADEX_SIGNAL_SEED"

// signalRand returns a generator seeded from signalSeedEnv, or from the
// clock, and logs the seed so that a failure can be replayed.
func signalRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(signalSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", signalSeedEnv, err)
		}
	}
	t.Logf("seed %d (replay with %s=%d)", seed, signalSeedEnv, seed)
	return rand.New(rand.NewPCG(seed, 0))
}

// TestInterruptAtRandomMoments sends SIGINT or SIGTERM to ping and flood
// (with --json, -o FILE and --hlog FILE) after a random delay between 50 ms
// and 1.5 s, 12 times (4 with -short), one after the other: in the warmup,
// in the measured window, in a drain. Each run must exit 130 within 5 s of
// the signal; stdout and the -o file must be complete JSON results marked
// interrupted, with the same counts; the .hlog must parse and hold the
// same intervals; and no temporary file may be left behind. The delay
// counts from the moment the run's connections are open (a few
// milliseconds after the process starts); TestInterruptWhileConnecting
// covers the moments before.
func TestInterruptAtRandomMoments(t *testing.T) {
	t.Parallel()
	runs := 12
	if testing.Short() {
		runs = 4
	}
	rng := signalRand(t)
	gigadex(t) // build before the clock starts
	for i := range runs {
		cmd := []string{"ping", "flood"}[i%2]
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}[i/2%2]
		delay := 50*time.Millisecond + time.Duration(rng.Int64N(int64(1450*time.Millisecond)))
		name := cmd + "/" + sigName(sig) + "/" + delay.Round(time.Millisecond).String()
		t.Run(name, func(t *testing.T) {
			loadSlot(t)
			interruptOnce(t, cmd, sig, delay)
		})
	}
}

func sigName(s syscall.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

func interruptOnce(t *testing.T, cmd string, sig syscall.Signal, delay time.Duration) {
	srv := startServer(t)
	conns := 1
	dir := t.TempDir()
	out, hlog := filepath.Join(dir, "run.json"), filepath.Join(dir, "run.hlog")
	args := []string{cmd, "--addr", srv.addr, "--duration", "30s", "--json", "-o", out, "--hlog", hlog}
	if cmd == "ping" {
		args = append(args, "--count", "0")
	} else {
		conns = 2
		args = append(args, "--conns", strconv.Itoa(conns), "--warmup", "300ms")
	}
	p := start(t, args...)
	if !waitFor(10*time.Second, func() bool { return srv.Stats().Active == int64(conns) || p.exited() }) || p.exited() {
		t.Fatalf("%s did not connect: %s", p.name, p.stderr)
	}
	time.Sleep(delay)
	sendAndCheck(t, p, sig, out, hlog)
}

// sendAndCheck sends sig to p and checks that it exits 130 within 5 s and
// leaves complete results marked interrupted: the JSON on stdout, the
// JSON file out and the histogram log hlog, and nothing else in their
// directory.
func sendAndCheck(t *testing.T, p *proc, sig syscall.Signal, out, hlog string) {
	p.signal(t, sig)
	sent := time.Now()
	code := p.wait(t, 10*time.Second)
	if took := time.Since(sent); took > 5*time.Second {
		t.Errorf("exited %v after %v, want within 5 s", took.Round(time.Millisecond), sigName(sig))
	}
	if code != 130 {
		t.Fatalf("exit code %d after %v, want 130\nstderr:\n%s", code, sigName(sig), tail(p.stderr.String(), 2000))
	}
	run := readRun(t, p)
	dir := filepath.Dir(out)
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("-o: %v", err)
	}
	defer f.Close()
	saved, err := report.ReadJSON(f)
	if err != nil {
		t.Fatalf("-o file: %v", err)
	}
	if !run.Interrupted || !saved.Interrupted {
		t.Errorf("interrupted: stdout %v, -o file %v; want true", run.Interrupted, saved.Interrupted)
	}
	if saved.Sent != run.Sent || saved.Received != run.Received || saved.Errors != run.Errors || len(saved.Intervals) != len(run.Intervals) {
		t.Errorf("-o file: sent %d, received %d, errors %d, %d intervals; stdout: %d, %d, %d, %d",
			saved.Sent, saved.Received, saved.Errors, len(saved.Intervals), run.Sent, run.Received, run.Errors, len(run.Intervals))
	}
	if run.RTT.TotalCount() != run.Received {
		t.Errorf("recorded %d round trips of %d received", run.RTT.TotalCount(), run.Received)
	}
	hf, err := os.Open(hlog)
	if err != nil {
		t.Fatalf("--hlog: %v", err)
	}
	defer hf.Close()
	ivs, err := report.ReadHistogramLog(hf)
	if err != nil {
		t.Fatalf("--hlog file: %v", err)
	}
	ivs = slices.DeleteFunc(ivs, func(iv report.Interval) bool { return iv.Tag == "" }) // the per-type streams, as in the JSON
	var logged, inJSON int64
	for _, iv := range ivs {
		logged += iv.Hist.TotalCount()
	}
	for _, iv := range run.Intervals {
		inJSON += iv.Hist.TotalCount()
	}
	if len(ivs) != len(run.Intervals) || logged != inJSON {
		t.Errorf("--hlog: %d intervals, %d round trips; JSON: %d intervals, %d round trips", len(ivs), logged, len(run.Intervals), inJSON)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("files left: %q, want only run.json and run.hlog", names)
	}
	t.Logf("exit 130; sent %d, received %d (warmup %d), %d intervals", run.Sent, run.Received, run.WarmupReceived, len(run.Intervals))
}

// TestInterruptWhileConnecting interrupts ping while it is still
// connecting: the peer's accept queue is full, so the connection attempt
// waits. The run must end like any interrupted run: exit 130 and an empty
// result marked interrupted on stdout and in the -o and --hlog files.
func TestInterruptWhileConnecting(t *testing.T) {
	t.Parallel()
	addr := fullListener(t)
	dir := t.TempDir()
	out, hlog := filepath.Join(dir, "run.json"), filepath.Join(dir, "run.hlog")
	p := start(t, "ping", "--addr", addr, "--json", "-o", out, "--hlog", hlog)
	p.waitHandlers(t)
	time.Sleep(300 * time.Millisecond)
	sendAndCheck(t, p, syscall.SIGINT, out, hlog)
}

// fullListener returns the address of a loopback listener whose accept
// queue is full, so that a new connection waits in SYN-SENT: a listen
// backlog of 0 holds one connection, which is made and never accepted.
func fullListener(t *testing.T) string {
	t.Helper()
	addr := testutil.FullListener(t)
	if addr == "" {
		// Linux holds a connection in SYN-SENT once a backlog-0 queue is
		// full; a skip here would hide the interrupt-while-connecting test.
		t.Fatal("the accept queue did not fill up: a connection attempt cannot be held")
	}
	return addr
}
