package benchpeers

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/report"
)

// newRun returns a gigadex run that measured rtts (ns) over elapsed, with
// the given error samples.
func newRun(t *testing.T, rtts []int64, elapsed time.Duration, errs ...string) *report.Run {
	t.Helper()
	r := report.NewRun("ping", "127.0.0.1:1", 1)
	r.Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r.Elapsed = elapsed
	for _, v := range rtts {
		if err := r.RTT.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	r.Sent, r.Received = int64(len(rtts)), int64(len(rtts))
	r.Errors = int64(len(errs))
	r.ErrorSamples = errs
	return r
}

// writeRun saves run as the JSON of KEY, round n, with exit code rc.
func writeRun(t *testing.T, dir, key string, n int, run *report.Run, rc int) {
	t.Helper()
	p := filepath.Join(dir, "runs", key, strconv.Itoa(n)+".json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(f, run); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if rc != 0 {
		writeFile(t, p+".rc", strconv.Itoa(rc)+"\n")
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// near reports whether got is within HDR's 3-significant-digit precision of want.
func near(got, want float64) bool { return math.Abs(got-want) <= want*1e-3+1e-9 }

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
		ok   bool
	}{
		{"empty", nil, 0, false},
		{"one", []float64{7}, 7, true},
		{"odd, unsorted", []float64{3, 1, 2}, 2, true},
		{"even: mean of the middle two", []float64{4, 1, 3, 2}, 2.5, true},
		{"repeated", []float64{5, 5, 1, 5}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			got, ok := Median(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Median(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("Median modified its input: %v, was %v", tt.in, in)
			}
		})
	}
}

func TestRunMetrics(t *testing.T) {
	// 1000 RTTs of 1..1000 µs: p50 500 µs, p99 990 µs, p99.9 999 µs.
	var rtts []int64
	for i := int64(1); i <= 1000; i++ {
		rtts = append(rtts, i*1000)
	}
	m := RunMetrics(newRun(t, rtts, 2*time.Second))
	want := Metrics{P50: 500, P99: 990, P999: 999, Count: 1000, Rate: 500}
	for k, w := range want {
		if got, ok := m[k]; !ok || !near(got, w) {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, w)
		}
	}
	empty := RunMetrics(newRun(t, nil, time.Second))
	if _, ok := empty[P50]; ok {
		t.Errorf("a run with no round trip reports p50 %v; want none", empty[P50])
	}
}

func TestOnlyEndLoss(t *testing.T) {
	tests := []struct {
		name string
		errs []string
		want bool
	}{
		{"no errors", nil, false},
		{"only replies in flight", []string{"conn 0: 3 replies still missing after the drain", "conn 1: 1 replies still missing after the drain"}, true},
		{"a real error too", []string{"conn 0: 3 replies still missing after the drain", "conn 1: read: connection reset by peer"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OnlyEndLoss(newRun(t, []int64{1000}, time.Second, tt.errs...)); got != tt.want {
				t.Errorf("OnlyEndLoss = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "meta.txt"), "# bench-peers\nmode=quick\nrounds=3\nload_start= 10:00 up 1 day, load average: 1.0, 2.0, 3.0\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "sockperf is missing\n\n")
	us := func(v ...int64) []int64 {
		for i := range v {
			v[i] *= 1000
		}
		return v
	}
	// rounds 10 and 2: kept in round order, not name order
	writeRun(t, dir, "rtt.gigadex.pinned", 10, newRun(t, us(30, 30, 30), time.Second), 0)
	writeRun(t, dir, "rtt.gigadex.pinned", 2, newRun(t, us(20, 20, 20), time.Second), 0)
	// exit 1 with only replies in flight: counted and listed
	writeRun(t, dir, "rtt.gigadex.pinned", 3, newRun(t, us(40), time.Second, "conn 0: 1 replies still missing after the drain"), 1)
	// exit 1 with a real error: left out
	writeRun(t, dir, "rtt.blocking.pinned", 1, newRun(t, us(50), time.Second, "conn 0: read: connection reset by peer"), 1)
	// not JSON: left out
	writeFile(t, filepath.Join(dir, "runs", "tp.gigadex", "1.json"), "panic: oops\n")
	pp, err := os.ReadFile(filepath.Join("testdata", "sockperf-ping-pong.txt"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "runs", "rtt.sockperf.pinned", "1.sockperf"), string(pp))
	writeFile(t, filepath.Join(dir, "runs", "rtt.sockperf.pinned", "2.sockperf"), "sockperf: connection refused\n")
	writeFile(t, filepath.Join(dir, "runs", "rtt.sockperf.pinned", "2.sockperf.rc"), "255")
	// many sessions: how the connections were served, each way once
	for n, mode := range []string{"poller", "poller", "blocking"} {
		run := newRun(t, us(90), time.Second)
		run.Generator = &report.Generator{IOMode: mode, GOMAXPROCS: 2}
		writeRun(t, dir, "m.1000.4.gd.rs", n+1, run, 0)
	}
	writeFile(t, filepath.Join(dir, "runs", "x.rs.rs", "1.rust"), "msgs_per_sec=4200000 received=8400000 conns=4 window=1024 seconds=2.000\n")
	writeFile(t, filepath.Join(dir, "runs", "x.rs.rs", "1.rust.err"), "ignored\n")
	writeFile(t, filepath.Join(dir, "gobench.txt"), "goos: linux\ncpu: Some CPU @ 2.0GHz \npkg: github.com/gigadex/gigadex/wire\nBenchmarkParseFrame-2  100  5.5 ns/op  0 B/op  0 allocs/op\n")
	writeFile(t, filepath.Join(dir, "rkyv.txt"), "serialize_to_bytes_ns=40.0 serialize_reused_ns=20.0 check_access_ns=9.0 check_deserialize_ns=12.0 iterations=5 sink=3\nserialize_to_bytes_ns=44.0 serialize_reused_ns=22.0 check_access_ns=11.0 check_deserialize_ns=14.0 iterations=5 sink=1\n")

	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Meta["mode"] != "quick" || r.Meta["rounds"] != "3" || !strings.HasSuffix(r.Meta["load_start"], "3.0") {
		t.Errorf("Meta = %v", r.Meta)
	}
	if r.Meta["go_cpu"] != "Some CPU @ 2.0GHz" {
		t.Errorf("go_cpu = %q, want it from gobench.txt", r.Meta["go_cpu"])
	}
	if !slices.Equal(r.Notes, []string{"sockperf is missing"}) {
		t.Errorf("Notes = %q", r.Notes)
	}
	p50 := r.Samples["rtt.gigadex.pinned.p50"]
	if len(p50) != 3 || !near(p50[0], 20) || !near(p50[1], 40) || !near(p50[2], 30) {
		t.Errorf("rtt.gigadex.pinned.p50 = %v, want about [20 40 30] (rounds 2, 3, 10)", p50)
	}
	if !slices.Equal(r.EndLoss, []string{"rtt.gigadex.pinned, round 3"}) {
		t.Errorf("EndLoss = %q", r.EndLoss)
	}
	if got := r.Samples["rtt.blocking.pinned.p50"]; len(got) != 0 {
		t.Errorf("a failed run was counted: %v", got)
	}
	if got := r.Samples["rtt.sockperf.pinned.p50"]; !slices.Equal(got, []float64{32.631}) {
		t.Errorf("rtt.sockperf.pinned.p50 = %v, want [32.631]", got)
	}
	if got := r.Served["m.1000.4.gd.rs"]; !slices.Equal(got, []string{"io poller, GOMAXPROCS 2", "io blocking, GOMAXPROCS 2"}) {
		t.Errorf("Served[m.1000.4.gd.rs] = %q", got)
	}
	if got := r.Samples["m.1000.4.gd.rs.rate"]; len(got) != 3 {
		t.Errorf("m.1000.4.gd.rs.rate = %v, want 3 rounds", got)
	}
	if got := r.Samples["x.rs.rs.rate"]; !slices.Equal(got, []float64{4.2e6}) {
		t.Errorf("x.rs.rs.rate = %v", got)
	}
	wantFailed := []string{"rtt.blocking.pinned, round 1: exit 1: conn 0: read: connection reset by peer", "rtt.sockperf.pinned, round 2: exit 255", "tp.gigadex, round 1: "}
	if len(r.Failed) != len(wantFailed) {
		t.Fatalf("Failed = %q, want %d entries", r.Failed, len(wantFailed))
	}
	for i, w := range wantFailed {
		if !strings.HasPrefix(r.Failed[i], w) {
			t.Errorf("Failed[%d] = %q, want prefix %q", i, r.Failed[i], w)
		}
	}
	if v, ok := BenchMedian(r.Bench, "wire", "ParseFrame", "ns/op"); !ok || v != 5.5 {
		t.Errorf("ParseFrame ns/op = %v, %v", v, ok)
	}
	if v, _ := Median(r.Rkyv["check_access_ns"]); v != 10 {
		t.Errorf("check_access_ns median = %v, want 10", v)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no meta.txt", map[string]string{}, "meta.txt"},
		{"meta line without =", map[string]string{"meta.txt": "mode quick\n"}, "not key=value"},
		{"bad go bench value", map[string]string{"meta.txt": "mode=full\n", "gobench.txt": "BenchmarkX-2 10 fast ns/op\n"}, "gobench.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				writeFile(t, filepath.Join(dir, name), text)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
