package benchpeers

import (
	"strings"
	"testing"
	"time"
)

// rttRun is a gigadex ping run whose every round trip took us microseconds.
func rttRun(t *testing.T, us int64) Metrics {
	t.Helper()
	rtts := make([]int64, 100)
	for i := range rtts {
		rtts[i] = us * 1000
	}
	return RunMetrics(newRun(t, rtts, time.Second))
}

// floodRun is a gigadex flood run that echoed rate messages per second.
func floodRun(t *testing.T, rate float64) Metrics {
	t.Helper()
	r := newRun(t, []int64{10_000}, 2*time.Second)
	r.Received = int64(2 * rate)
	return RunMetrics(r)
}

func TestVsLimit(t *testing.T) {
	for _, tt := range []struct {
		v     float64
		limit float64
		want  string
	}{
		{0.998, 1, "0.998"},
		{1.004, 1, "1.004"},
		{1, 1, "1.00"},
		{0.97, 1, "0.97"},
		{0.4951, 0.5, "0.495"},
		{0.9996, 1, "0.9996"},
		{0.99999, 1, "1.0000"}, // four decimals at most
	} {
		if got := vsLimit(tt.v, true, tt.limit); got != tt.want {
			t.Errorf("vsLimit(%v, %v) = %q, want %q", tt.v, tt.limit, got, tt.want)
		}
	}
	if got := vsLimit(0, false, 1); got != "—" {
		t.Errorf("vsLimit of nothing = %q", got)
	}
}

func TestWriteMarkdown(t *testing.T) {
	tests := []struct {
		name    string
		meta    map[string]string
		add     func(t *testing.T, r *Results)
		want    []string // lines or fragments the report must hold
		notWant []string
	}{
		{
			name: "sockperf and the Rust pair, pinned",
			meta: map[string]string{"mode": "quick", "rounds": "3", "sockperf": "3.7-no.git", "rust": "rustc 1.95.0", "pinned": "1", "date": "2026-11-29", "rtt_measured_ms": "550", "rtt_secs": "1"},
			add: func(t *testing.T, r *Results) {
				for _, v := range []float64{19, 20, 40} { // median 20
					r.Add("rtt.sockperf.pinned", Metrics{P50: v, P99: 50, P999: 80, Count: 1000})
				}
				// p50 22 µs = 1.10× sockperf (met); p99 100 µs = 2.00× (missed)
				r.Add("rtt.gigadex.pinned", Metrics{P50: rttRun(t, 22)[P50], P99: rttRun(t, 100)[P99], P999: 120, Count: 1000})
				r.Add("rtt.sockperf.unpinned", Metrics{P50: 30, P99: 60, P999: 90})
				r.Add("rtt.busypoll.unpinned", rttRun(t, 12)) // 0.40× sockperf: met
				r.Add("grid.1.64", floodRun(t, 1e6))
				r.Add("grid.4.1024", floodRun(t, 18e6))
				r.Add("grid.inproc.4096", floodRun(t, 21e6))
				r.Add("x.gd.gd", floodRun(t, 16e6))
				r.Add("x.rs.rs", Metrics{Rate: 8e6})
				r.Add("x.rs.gd", Metrics{Rate: 6e6})
				r.Add("x.gd.rs", floodRun(t, 10e6))
				r.Add("x.pump.pump", Metrics{Rate: 40e6})
				r.Add("m.1000.4.gd.gd", floodRun(t, 0.5e6))
				r.Add("m.1000.4.rs.rs", Metrics{Rate: 0.8e6})
				r.Add("m.1000.4.rs.gd", Metrics{Rate: 0.8e6})
				r.Add("m.1000.4.gd.rs", floodRun(t, 0.6e6))
				r.AddServed("m.1000.4.gd.rs", "io poller, GOMAXPROCS 2")
				r.Add("xrtt.gd.gd", rttRun(t, 30))
				r.Failed = append(r.Failed, "tp.gigadex, round 2: exit 1: boom")
				r.EndLoss = append(r.EndLoss, "rtt.gigadex.pinned, round 1")
			},
			want: []string{
				"| sockperf | 3.7-no.git |",
				"| Rust peer | rustc 1.95.0, tokio 1.24, rkyv 0.7.39 (Debian crates) |",
				"| mode | quick: 3 rounds, medians; took ? s |",
				"Both tools measure for 0.55 s after a 400 ms warmup in each round (sockperf -t 1;",
				"| pinned | sockperf ping-pong --full-rtt → sockperf server | 20.0 | 50.0 | 80.0 | 1000 |",
				"| p50 ≤ 1.2× sockperf | pinned | 1.10× (22.0 vs 20.0 µs) | met |",
				"| p99 ≤ 1.5× sockperf | pinned | 2.00× (100.0 vs 50.0 µs) | **missed** |",
				"| gigadex ping --busy-poll p50 / sockperf p50, unpinned | 0.40× (12.0 vs 30.0 µs) | ≤ 0.5× | met |",
				"| pinned | sockperf | 19.0 / 20.0 / 40.0 |",
				"| connections | window 64 | window 1024 | window 4096 |",
				"| 1 | 1.00 M | — | — |",
				"| 4 | — | 18.00 M | — |",
				"| 4, in-process echo | — | — | 21.00 M |",
				"| gigadex flood 4×1024 / Rust pair | 2.00× | ≥ 1× | met |",
				"| gigadex flood 4×1024, msgs/s | 16.00 M | ≥ 15 M | met |",
				"| gigadex echo / Rust echo, serving the Rust flood client | 0.75× | ≥ 1× | **missed** |",
				"| gigadex flood / Rust flood, against the Rust echo | 1.25× | ≥ 1× | met |",
				"| gigadex flood 4×1024 / raw echo pump | 0.40× | ≥ 0.5× | **missed** |",
				"| gigadex flood, best configuration (--conns 4 --window 4096, in-process echo) | 21.00 M | ≥ 20 M | met |",
				"### Many sessions: 1000 connections × 4 in flight, against the Rust pair",
				"| gigadex flood → Rust echo | 0.600 M | 0.600 | io poller, GOMAXPROCS 2 |",
				"| Rust flood → gigadex echo | 0.800 M | 0.800 | — |",
				"| gigadex pair / Rust pair, 1000 × 4 | 0.62× | ≥ 1× | **missed** |",
				"| gigadex echo / Rust echo, serving the Rust flood client, 1000 × 4 | 1.00× | ≥ 1× | met |",
				"| gigadex flood / Rust flood, against the Rust echo, 1000 × 4 | 0.75× | ≥ 1× | **missed** |",
				"| client \\ server | gigadex echo | gigadex echo --blocking | Rust echo |",
				"| gigadex ping → gigadex echo | 30.0 | 30.0 | 30.0 |",
				"- left out of the medians: tp.gigadex, round 2: exit 1: boom",
				"1 run(s) exited with an error whose only cause was a reply still in flight",
				"Generated by `scripts/bench-peers.sh --quick` on 2026-11-29.",
			},
		},
		{
			name: "no sockperf, no Rust, not pinned",
			meta: map[string]string{"mode": "full", "rounds": "5", "date": "2026-11-29"},
			add: func(t *testing.T, r *Results) {
				r.Add("rtt.gigadex.unpinned", rttRun(t, 40))
				r.Add("tp.gigadex", floodRun(t, 3e6))
				r.Add("grid.64.256", floodRun(t, 9e6))
			},
			want: []string{
				"| unpinned | gigadex ping → gigadex echo | 40.0 | 40.0 | 40.0 | 100 |",
				"| unpinned | gigadex ping --blocking → gigadex echo --blocking | — | — | — | — |",
				"| gigadex flood --conns 1 --window 1024, echoed | 3.00 M | 3.00 |",
				"| 64 | 9.00 M |",
				"| gigadex flood, best configuration (--conns 64 --window 256) | 9.00 M | ≥ 20 M | **missed** |",
				"Generated by `scripts/bench-peers.sh` on 2026-11-29.",
			},
			notWant: []string{"| pinned |", "sockperf throughput", "Rust", "### Notes", "Many sessions", "Targets: gigadex / sockperf", "each client against each server"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewResults()
			for k, v := range tt.meta {
				r.Meta[k] = v
			}
			tt.add(t, r)
			var b strings.Builder
			if err := WriteMarkdown(&b, r); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("report has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("report:\n%s", out)
			}
		})
	}
}
