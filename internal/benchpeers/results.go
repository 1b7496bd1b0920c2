// Package benchpeers turns the raw results of scripts/bench-peers.sh into its
// Markdown report. The script runs the tools (gigadex, sockperf, the Rust
// peer, go test -bench) and saves what each run printed; this package reads
// those files, takes the median of every measurement over the rounds,
// computes the ratios against the peers, checks them against the targets and
// writes the report.
//
// A results directory holds:
//
//	meta.txt               key=value lines: the machine, tool versions, run lengths;
//	                       sockperf= and rust= are set (to the tools' versions)
//	                       only when those tools ran, pinned=1 when taskset did
//	notes.txt              one line per part that was skipped or is missing
//	runs/KEY/ROUND.json    a gigadex --json result, read with [report.ReadJSON]
//	runs/KEY/ROUND.sockperf  what sockperf printed
//	runs/KEY/ROUND.rust    what rust/rust-peer printed (key=value fields)
//	runs/KEY/ROUND.EXT.rc  the exit code of a run that failed (absent on success)
//	gobench.txt            go test -bench output of ./wire ./client ./echo
//	rkyv.txt               rust-peer wire-bench lines
//
// KEY names what was measured:
//
//	rtt.TOOL.PLACE         RTT; TOOL is sockperf, gigadex, blocking or busypoll,
//	                       PLACE is pinned or unpinned
//	tp.sockperf, tp.gigadex  throughput over one connection
//	grid.CONNS.WINDOW      gigadex flood against gigadex echo
//	grid.inproc.WINDOW     gigadex flood against its in-process echo (4 connections)
//	x.CLIENT.SERVER        flood 4 x 1024, CLIENT and SERVER gd (gigadex) or rs (Rust)
//	m.CONNS.WINDOW.CLIENT.SERVER  flood CONNS x WINDOW (many sessions), as x.
//	xrtt.CLIENT.SERVER     pinned RTT; gd, gdb (gigadex --blocking) or rs
//
// ROUND is the round number, from 1; a key's values are kept in round order.
package benchpeers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gigadex/gigadex/report"
)

// Metric names, each in the unit the report prints.
const (
	P50   = "p50"   // median RTT, µs
	P99   = "p99"   // 99th percentile RTT, µs
	P999  = "p99_9" // 99.9th percentile RTT, µs
	Count = "n"     // round trips measured
	Rate  = "rate"  // messages per second
)

// Metrics holds what one run measured, by metric name ([P50], [Rate], ...).
// A metric the run does not report is absent.
type Metrics map[string]float64

// endLossError is how gigadex reports replies that were still in flight when
// a run ended.
const endLossError = "replies still missing after the drain"

// Results holds everything one bench-peers run measured.
type Results struct {
	// Meta holds meta.txt: machine, versions and run lengths, as text.
	Meta map[string]string
	// Samples holds one value per round for each "KEY.METRIC", in round order.
	Samples map[string][]float64
	// Failed lists the runs left out of the medians, each with the reason.
	Failed []string
	// EndLoss lists the gigadex runs that exited non-zero only because
	// replies were still in flight when the run ended: their latencies are
	// whole, so they are counted.
	EndLoss []string
	// Notes lists the parts that were skipped or are missing.
	Notes []string
	// Bench holds the go test -bench results.
	Bench []Bench
	// Rkyv holds rust-peer wire-bench figures (ns per operation), one value
	// per run, by field name (serialize_reused_ns, check_access_ns, ...).
	Rkyv map[string][]float64
	// Served holds, by key, how the gigadex runs of that key served their
	// connections (their generator section: "io poller, GOMAXPROCS 2"),
	// each way once, in the order first seen.
	Served map[string][]string
}

// NewResults returns empty Results.
func NewResults() *Results {
	return &Results{Meta: map[string]string{}, Samples: map[string][]float64{}, Rkyv: map[string][]float64{}, Served: map[string][]string{}}
}

// Add appends the metrics of one run of key, one sample per metric.
func (r *Results) Add(key string, m Metrics) {
	for name, v := range m {
		r.Samples[key+"."+name] = append(r.Samples[key+"."+name], v)
	}
}

// AddServed notes that a gigadex run of key served its connections as how.
func (r *Results) AddServed(key, how string) {
	if !slices.Contains(r.Served[key], how) {
		r.Served[key] = append(r.Served[key], how)
	}
}

// Median returns the median of the samples of "KEY.METRIC", and false when
// there are none.
func (r *Results) Median(key string) (float64, bool) {
	return Median(r.Samples[key])
}

// Median returns the median of v (the mean of the two middle values when
// len(v) is even), and false when v is empty. It does not modify v.
func Median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// RunMetrics returns what a gigadex run measured: RTT percentiles in µs,
// the round trips counted and the echoed messages per second.
func RunMetrics(run *report.Run) Metrics {
	m := Metrics{Rate: run.MsgsPerSec()}
	if run.RTT != nil && run.RTT.TotalCount() > 0 {
		m[P50] = float64(run.RTT.ValueAtQuantile(50)) / 1e3
		m[P99] = float64(run.RTT.ValueAtQuantile(99)) / 1e3
		m[P999] = float64(run.RTT.ValueAtQuantile(99.9)) / 1e3
		m[Count] = float64(run.RTT.TotalCount())
	}
	return m
}

// OnlyEndLoss reports whether every error of run is a reply still in flight
// when the run ended: such a run exits non-zero but its latencies are whole.
func OnlyEndLoss(run *report.Run) bool {
	if len(run.ErrorSamples) == 0 {
		return false
	}
	for _, e := range run.ErrorSamples {
		if !strings.Contains(e, endLossError) {
			return false
		}
	}
	return true
}

// Load reads the results directory dir (see the package doc). Runs that
// failed are listed in Failed, not returned as an error; an error means the
// directory itself cannot be read.
func Load(dir string) (*Results, error) {
	r := NewResults()
	meta, err := os.Open(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return nil, fmt.Errorf("benchpeers: %w", err)
	}
	defer meta.Close()
	if r.Meta, err = ReadMeta(meta); err != nil {
		return nil, fmt.Errorf("benchpeers: %s: %w", meta.Name(), err)
	}
	if r.Notes, err = readLines(filepath.Join(dir, "notes.txt")); err != nil {
		return nil, err
	}
	if err := r.loadRuns(filepath.Join(dir, "runs")); err != nil {
		return nil, err
	}
	gobench, err := readOptional(filepath.Join(dir, "gobench.txt"))
	if err != nil {
		return nil, err
	}
	if r.Bench, err = ParseGoBench(strings.NewReader(gobench)); err != nil {
		return nil, fmt.Errorf("benchpeers: gobench.txt: %w", err)
	}
	if r.Meta["go_cpu"] == "" {
		for _, line := range strings.Split(gobench, "\n") {
			if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
				r.Meta["go_cpu"] = strings.TrimSpace(cpu)
				break
			}
		}
	}
	b, err := readOptional(filepath.Join(dir, "rkyv.txt"))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(b, "\n") {
		if !strings.Contains(line, "_ns=") {
			continue
		}
		for k, v := range KeyValues(line) {
			if strings.HasSuffix(k, "_ns") {
				r.Rkyv[k] = append(r.Rkyv[k], v)
			}
		}
	}
	return r, nil
}

// ReadMeta reads key=value lines; blank lines and lines starting with # are
// skipped. Values keep everything after the first '='.
func ReadMeta(rd io.Reader) (map[string]string, error) {
	m := map[string]string{}
	sc := bufio.NewScanner(rd)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not key=value", n, line)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, sc.Err()
}

// runFile is one run's output file.
type runFile struct {
	key   string
	round int
	ext   string
	path  string
}

func (r *Results) loadRuns(dir string) error {
	keys, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("benchpeers: %w", err)
	}
	for _, k := range keys {
		if !k.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, k.Name()))
		if err != nil {
			return fmt.Errorf("benchpeers: %w", err)
		}
		var runs []runFile
		for _, f := range files {
			round, ext, ok := strings.Cut(f.Name(), ".")
			n, err := strconv.Atoi(round)
			if !ok || err != nil || (ext != "json" && ext != "sockperf" && ext != "rust") {
				continue
			}
			runs = append(runs, runFile{key: k.Name(), round: n, ext: ext, path: filepath.Join(dir, k.Name(), f.Name())})
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].round < runs[j].round })
		for _, f := range runs {
			if err := r.loadRun(f); err != nil {
				r.Failed = append(r.Failed, fmt.Sprintf("%s, round %d: %v", f.key, f.round, err))
			}
		}
	}
	return nil
}

// loadRun adds the metrics of one run, or returns why it is left out.
func (r *Results) loadRun(f runFile) error {
	rc := 0
	if b, err := os.ReadFile(f.path + ".rc"); err == nil {
		if rc, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			return fmt.Errorf("exit code file: %w", err)
		}
	}
	var m Metrics
	switch f.ext {
	case "json":
		fh, err := os.Open(f.path)
		if err != nil {
			return err
		}
		run, err := report.ReadJSON(fh)
		fh.Close()
		if err != nil {
			if rc != 0 {
				return fmt.Errorf("exit %d, no result", rc)
			}
			return err
		}
		if rc != 0 {
			if !OnlyEndLoss(run) {
				return fmt.Errorf("exit %d: %s", rc, strings.Join(run.ErrorSamples, "; "))
			}
			r.EndLoss = append(r.EndLoss, fmt.Sprintf("%s, round %d", f.key, f.round))
		}
		m = RunMetrics(run)
		if g := run.Generator; g != nil {
			r.AddServed(f.key, fmt.Sprintf("io %s, GOMAXPROCS %d", g.IOMode, g.GOMAXPROCS))
		}
	default:
		if rc != 0 {
			return fmt.Errorf("exit %d", rc)
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		if f.ext == "sockperf" {
			m = ParseSockperf(string(b))
		} else {
			m = ParseRustPeer(string(b))
		}
		if len(m) == 0 {
			return errors.New("no figures in the output")
		}
	}
	r.Add(f.key, m)
	return nil
}

func readOptional(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("benchpeers: %w", err)
	}
	return string(b), nil
}

func readLines(path string) ([]string, error) {
	b, err := readOptional(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(b, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}
