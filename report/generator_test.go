package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
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
	run := NewRun("ping", "127.0.0.1:1", 1)
	run.TargetRate = 1000
	for range 100 {
		run.RTT.RecordValue(int64(50 * time.Microsecond))
	}
	run.Generator = &Generator{SendLag: &SendLag{P50: 1000, P99: int64(40 * time.Microsecond)}}
	if w := GeneratorWarning(run); w != "" {
		t.Errorf("lag p99 below the p50 rtt warns: %s", w)
	}
	run.Generator.SendLag.P99 = int64(2 * time.Millisecond)
	if w := GeneratorWarning(run); !strings.Contains(w, "send lag p99 (2ms) exceeds the measured p50 rtt (50.02µs)") {
		t.Errorf("warning %q", w)
	}
	run.TargetRate = 0 // closed loop: no schedule to lag behind
	if w := GeneratorWarning(run); w != "" {
		t.Errorf("closed loop warns: %s", w)
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
