package capacity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/report"
)

// runOfSeconds is a run of one second per entry of lat, 1000 round trips
// of that latency (ns) each, with its per-second intervals.
func runOfSeconds(target float64, lat ...int64) *report.Run {
	all := report.NewHistogram()
	var ivs []report.Interval
	for i, ns := range lat {
		p := hdrhistogram.NewPacked(report.LowestNs, report.HighestNs, report.SigFigs)
		p.RecordValues(ns, 1000)
		all.RecordValues(ns, 1000)
		ivs = append(ivs, report.Interval{StartMs: int64(i) * 1000, EndMs: int64(i+1) * 1000, Hist: p})
	}
	n := int64(len(lat)) * 1000
	r := stepRun(target, n, all, all)
	r.Elapsed = time.Duration(len(lat)) * time.Second
	r.Intervals = ivs
	return r
}

func TestSingleStall(t *testing.T) {
	slo, _ := ParseSLO("p99<1ms")
	const ok, slow = 20_000, 5_000_000
	tests := []struct {
		name string
		lat  []int64
		want bool
	}{
		{"one slow second of five", []int64{ok, ok, slow, ok, ok}, true},
		{"two slow seconds", []int64{ok, slow, ok, slow, ok}, false},
		{"every second slow", []int64{slow, slow, slow}, false},
		{"too few seconds", []int64{ok, slow}, false},
		{"no slow second", []int64{ok, ok, ok}, false},
	}
	for _, tt := range tests {
		note, got := singleStall(runOfSeconds(10e3, tt.lat...), slo)
		if got != tt.want {
			t.Errorf("%s: %v (%q), want %v", tt.name, got, note, tt.want)
		}
	}
	if note, _ := singleStall(runOfSeconds(10e3, ok, ok, slow, ok, ok), slo); note != "one stall: second 3 of 5 alone broke the SLO, the other 4 met it" {
		t.Errorf("note %q", note)
	}
}

// TestMeasureRepeatsASingleStall: a step that broke the SLO in one second
// only is run again; when the repeat passes, the search goes on.
func TestMeasureRepeatsASingleStall(t *testing.T) {
	res := measureWithOneOff(t, func(ctx context.Context, cfg client.LoadConfig) (*report.Run, error) {
		return runOfSeconds(cfg.Rate, 20_000, 20_000, 5_000_000, 20_000, 20_000), ctx.Err()
	})
	if rep := res.Steps[1]; rep.Outcome != Repeated || rep.Target != 20e3 || !strings.HasPrefix(rep.Note, "run again: one stall: second 3 of 5") {
		t.Fatalf("step 2 %v at %v: %q, want a repeat at 20k", rep.Outcome, rep.Target, rep.Note)
	}
	if again := res.Steps[2]; again.Outcome != Pass || again.Target != 20e3 {
		t.Fatalf("step 3 %v at %v, want a pass at 20k", again.Outcome, again.Target)
	}
	if res.Stop != Converged || res.Capacity < 49e3 || res.Capacity > 50e3 {
		t.Errorf("stop %v, capacity %v: the repeat should have cleared the stall", res.Stop, res.Capacity)
	}
}
