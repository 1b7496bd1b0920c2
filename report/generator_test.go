package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func TestGeneratorString(t *testing.T) {
	tests := []struct {
		name string
		g    *Generator
		want string
	}{
		{"nil", nil, ""},
		{"closed loop", &Generator{IOMode: "blocking", GOMAXPROCS: 2, CPUAffinity: "0-1", GCCycles: 1, GCPauseNs: 123456, ClockReadNs: 21.4},
			"io blocking, GOMAXPROCS 2, CPUs 0-1, GC 1 (123.5µs pause), clock 21ns"},
		{"rate mode, no affinity", &Generator{IOMode: "poller", GOMAXPROCS: 1, ClockReadNs: 30, SendLag: &SendLag{P50: 1234, P99: 8413183, Max: 13352959, Count: 10}},
			"io poller, GOMAXPROCS 1, GC 0 (0s pause), clock 30ns, send lag p50 1.234µs p99 8.413ms max 13.35ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGeneratorWarning(t *testing.T) {
	// A run of 1 s at a target of 1000 msgs/s: 1000 sent, p50 rtt 50µs.
	base := func() *Run {
		run := NewRun("ping", "127.0.0.1:1", 1)
		run.TargetRate, run.Elapsed, run.Sent = 1000, time.Second, 1000
		for range 100 {
			run.RTT.RecordValue(int64(50 * time.Microsecond))
		}
		run.Generator = &Generator{SendLag: &SendLag{P50: 1000, P99: int64(40 * time.Microsecond)}}
		return run
	}
	tests := []struct {
		name   string
		change func(*Run)
		want   []string // parts of the warning; none: no warning
	}{
		{"on schedule", func(*Run) {}, nil},
		{"closed loop", func(r *Run) { r.TargetRate = 0; r.Generator.SendLag.P99 = int64(time.Second) }, nil},
		{"just above the short rate", func(r *Run) { r.Sent = 950 }, nil},
		{"short", func(r *Run) { r.Sent = 949 }, []string{"it sent 949 msgs/s, 94.9% of the target 1000 msgs/s"}},
		{"just below the late share", func(r *Run) { r.LateSends = 9 }, nil},
		{"late", func(r *Run) { r.LateSends, r.MaxSendLag = 10, 3*time.Millisecond },
			[]string{"10 sends (1.0%) left more than 1ms behind schedule, the worst 3.0 ms behind"}},
		{"lag above the p50 rtt", func(r *Run) { r.Generator.SendLag.P99 = int64(2 * time.Millisecond) },
			[]string{"send lag p99 (2ms) exceeds the measured p50 rtt (50.02µs)"}},
		{"all three", func(r *Run) { r.Sent, r.LateSends = 500, 400; r.Generator.SendLag.P99 = int64(2 * time.Millisecond) },
			[]string{"50.0% of the target", "; 400 sends (80.0%)", "; its send lag p99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := base()
			tt.change(run)
			w := GeneratorWarning(run, "")
			if len(tt.want) == 0 {
				if w != "" {
					t.Errorf("got %q, want no warning", w)
				}
				return
			}
			if !strings.HasPrefix(w, "WARNING: the load generator could not keep to its schedule: ") || !strings.HasSuffix(w, ". Corrected latencies include this lag.") {
				t.Errorf("got %q", w)
			}
			for _, part := range tt.want {
				if !strings.Contains(w, part) {
					t.Errorf("got %q, want it to contain %q", w, part)
				}
			}
			if w := GeneratorWarning(run, "fewer ideas"); !strings.HasSuffix(w, "this lag: use fewer ideas, or another machine for the generator.") {
				t.Errorf("with advice: got %q", w)
			}
		})
	}
}

// TestGeneratorJSON: the section survives a JSON round trip.
func TestGeneratorJSON(t *testing.T) {
	run := NewRun("ping", "127.0.0.1:1", 1)
	run.RTT.RecordValue(1000)
	run.Generator = &Generator{IOMode: "busy-poll", GOMAXPROCS: 2, GCCycles: 3, GCPauseNs: 7, ClockReadNs: 20.5, SendLag: &SendLag{P50: 1, P99: 2, Max: 3, Count: 4}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"io_mode": "busy-poll"`) {
		t.Errorf("no io_mode in:\n%s", buf.String())
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if g := back.Generator; g == nil || *g.SendLag != *run.Generator.SendLag || g.IOMode != "busy-poll" || g.GCCycles != 3 {
		t.Errorf("read back %+v", back.Generator)
	}
}

// TestPeerPaceWarning: a run short of its target because its window of
// messages waited on the peer's round trips blames the peer, not the
// generator.
func TestPeerPaceWarning(t *testing.T) {
	run := func(conns, window int, rtt time.Duration, sent int64) *Run {
		r := NewRun("ping", "127.0.0.1:1", conns)
		r.TargetRate, r.Elapsed, r.Sent = 1000, time.Second, sent
		r.Config = map[string]any{"window": window}
		r.Uncorrected = hdrhistogram.New(1, int64(time.Hour), 3)
		for range 100 {
			r.RTT.RecordValue(int64(500 * time.Millisecond))
			r.Uncorrected.RecordValue(int64(rtt))
		}
		r.LateSends, r.MaxSendLag = sent, 900*time.Millisecond
		return r
	}
	tests := []struct {
		name string
		r    *Run
		peer bool
	}{
		{"one connection, 10 ms round trips, 97 msgs/s", run(1, 1, 10*time.Millisecond, 97), true},
		{"4 connections, window 2, 10 ms, 790 msgs/s", run(4, 2, 10*time.Millisecond, 790), true},
		{"round trips allow 1000, sent 300: the generator", run(1, 10, 10*time.Millisecond, 300), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := GeneratorWarning(tt.r, "a lower --rate")
			if got := strings.HasPrefix(w, "WARNING: the peer set the pace, not the load generator"); got != tt.peer {
				t.Errorf("got %q, want the peer blamed: %v", w, tt.peer)
			}
			if !tt.peer && !strings.Contains(w, "the load generator could not keep to its schedule") {
				t.Errorf("got %q, want the generator blamed", w)
			}
		})
	}
}
