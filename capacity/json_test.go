package capacity

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/report"
)

func fakeResult(t *testing.T) *Result {
	t.Helper()
	slo, _ := ParseSLO("p99<1ms,p99.9<2ms")
	f := &fakePeer{limit: 50e3}
	res, err := Measure(context.Background(), Config{Load: client.LoadConfig{Addr: "peer:1", Conns: 2}, SLO: slo, Start: 10e3, Step: time.Second, Drive: f.drive})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestJSONRoundTrip(t *testing.T) {
	res := fakeResult(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema"] != Schema {
		t.Errorf("schema %v", doc["schema"])
	}
	for _, k := range []string{"addr", "connections", "config", "slo", "steps", "verdict", "generator", "env"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	steps := doc["steps"].([]any)
	st := steps[0].(map[string]any)
	for _, k := range []string{"target_rate", "achieved_rate", "latency_ns", "histogram", "uncorrected_histogram", "outcome", "pass", "failed", "errors"} {
		if _, ok := st[k]; !ok {
			t.Errorf("step lacks %q", k)
		}
	}
	v := doc["verdict"].(map[string]any)
	if v["capacity_msgs_per_sec"].(float64) != res.Capacity || v["stop"] != "converged" || v["line"] != res.Line() {
		t.Errorf("verdict %v", v)
	}

	back, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Line() != res.Line() || back.Capacity != res.Capacity || back.Bound != res.Bound || back.Stop != res.Stop {
		t.Errorf("verdict back: %q %v %v, want %q", back.Line(), back.Capacity, back.Stop, res.Line())
	}
	if back.SLO.String() != res.SLO.String() || back.Addr != res.Addr || back.Connections != 2 || !reflect.DeepEqual(back.Generator, res.Generator) {
		t.Errorf("back: slo %q addr %q conns %d gen %+v", back.SLO, back.Addr, back.Connections, back.Generator)
	}
	// The generator over the search: collections summed, the worst step's
	// send lag (the fake peer's lag grows with the rate).
	worst := 0.0
	for _, s := range res.Steps {
		worst = max(worst, s.Target)
	}
	if g := res.Generator; g.GCCycles != int64(len(res.Steps)) || g.SendLag == nil || g.SendLag.P99 != int64(worst/1000) || g.IOMode != "poller" {
		t.Errorf("generator %+v (send lag %+v), want %d collections and the lag of the %v step", g, g.SendLag, len(res.Steps), worst)
	}
	if len(back.Steps) != len(res.Steps) {
		t.Fatalf("%d steps back, want %d", len(back.Steps), len(res.Steps))
	}
	for i := range res.Steps {
		a, b := &res.Steps[i], &back.Steps[i]
		if a.Index != b.Index || a.Target != b.Target || a.Outcome != b.Outcome || strings.Join(a.Failed, ",") != strings.Join(b.Failed, ",") || a.Window != b.Window {
			t.Errorf("step %d: %+v back as %+v", i, a, b)
		}
		if !a.Run.RTT.Equals(b.Run.RTT) || !a.Run.Uncorrected.Equals(b.Run.Uncorrected) {
			t.Errorf("step %d: histograms differ", i)
		}
		if a.Run.Sent != b.Run.Sent || a.Achieved() != b.Achieved() {
			t.Errorf("step %d: sent %d achieved %v, back %d %v", i, a.Run.Sent, a.Achieved(), b.Run.Sent, b.Achieved())
		}
	}
	// Written again, the document is the same.
	var again bytes.Buffer
	if err := WriteJSON(&again, back); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Error("a result read back writes a different document")
	}
}

func TestReadJSONRejects(t *testing.T) {
	for _, doc := range []string{
		`{"schema":"gigadex.run/v1"}`,
		`not json`,
		`{"schema":"gigadex.capacity/v1","slo":["p99>1ms"],"start":"2026-01-01T00:00:00Z","verdict":{"stop":"converged"}}`,
		`{"schema":"gigadex.capacity/v1","slo":["p99<1ms"],"start":"2026-01-01T00:00:00Z","verdict":{"stop":"nope"}}`,
		`{"schema":"gigadex.capacity/v1","slo":["p99<1ms"],"start":"2026-01-01T00:00:00Z","verdict":{"stop":"converged"},"steps":[{"outcome":"pass","start":"2026-01-01T00:00:00Z","histogram":"xx"}]}`,
	} {
		if _, err := ReadJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

// TestStepAchieved: a step's achieved rate is what it sent over its planned
// length, whatever the latency at its end stretched the run to, and over
// the window that ran when it was cut short.
func TestStepAchieved(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sent    int64
		elapsed time.Duration
		want    float64
	}{
		{"whole step", 20000, 2 * time.Second, 10000},
		{"latency stretched the run", 20000, 2500 * time.Millisecond, 10000},
		{"a window that began late", 19990, 1999 * time.Millisecond, 9995},
		{"interrupted halfway", 10000, time.Second, 10000},
	} {
		s := &Step{Length: 2 * time.Second, Run: &report.Run{Sent: tt.sent, Elapsed: tt.elapsed, Interrupted: tt.name == "interrupted halfway"}}
		if got := s.Achieved(); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: achieved %v, want %v", tt.name, got, tt.want)
		}
	}
}
