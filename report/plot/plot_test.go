package plot

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"

	"github.com/gigadex/gigadex/internal/testutil"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/internal/fixture"
)

// plotSize is the size of every plot in PNG.
var plotSize = image.Point{768, 480}

func TestPercentiles(t *testing.T) {
	dir := t.TempDir()
	runs := []*report.Run{fixture.Run(1, 0), fixture.Run(2, 2000)}
	png := filepath.Join(dir, "latency.png")
	if err := Percentiles(png, runs, []string{"closed loop", "2000 msgs/s"}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckPNG(t, png, plotSize)

	svg := filepath.Join(dir, "latency.svg")
	if err := Percentiles(svg, runs, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "99.9%", "run 2", "rtt (µs)"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("svg does not contain %q", want)
		}
	}
}

func TestOverTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "over-time.png")
	if err := OverTime(path, fixture.Run(1, 0).Intervals); err != nil {
		t.Fatal(err)
	}
	testutil.CheckPNG(t, path, plotSize)
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Percentiles(filepath.Join(dir, "x.gif"), []*report.Run{fixture.Run(1, 0)}, nil); err == nil {
		t.Errorf("plot to .gif succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.gif")); err == nil {
		t.Errorf("a refused plot left a file behind")
	}
	if err := Percentiles(filepath.Join(dir, "x.png"), nil, nil); err == nil {
		t.Errorf("plot of no runs succeeded")
	}
	if err := OverTime(filepath.Join(dir, "x.png"), nil); err == nil {
		t.Errorf("plot of no intervals succeeded")
	}
}

func TestStep125(t *testing.T) {
	tests := []struct {
		v        float64
		up, down float64
	}{
		{1, 1, 1},
		{17, 20, 10},
		{34.5, 50, 20},
		{2637.8, 5000, 2000},
		{0.3, 0.5, 0.2},
		{50000, 50000, 50000},
	}
	for _, tt := range tests {
		if got := step125(tt.v, true); math.Abs(got-tt.up) > 1e-9*tt.up {
			t.Errorf("step125(%g, up) = %g, want %g", tt.v, got, tt.up)
		}
		if got := step125(tt.v, false); math.Abs(got-tt.down) > 1e-9*tt.down {
			t.Errorf("step125(%g, down) = %g, want %g", tt.v, got, tt.down)
		}
	}
}

func TestLogTicksLabels(t *testing.T) {
	var labels []string
	for _, tick := range (logTicks{}).Ticks(20, 5000) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "20 50 100 200 500 1000 2000 5000"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func TestLogTicksFormat(t *testing.T) {
	var labels []string
	for _, tick := range (logTicks{format: func(v float64) string { return fmt.Sprintf("<%g>", v) }}).Ticks(3, 30) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "<5> <10> <20>"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// capacityChart is a search of four steps whose p99.9 crosses a 1 ms SLO
// above 20 k msgs/s.
func capacityChart() CapacityChart {
	c := CapacityChart{Title: "Capacity 20 k msgs/s", Capacity: 20e3, CapacityLabel: "capacity 20 k msgs/s",
		SLO: []SLOBound{{Label: "p99.9<1ms", Value: time.Millisecond}, {Label: "p50<100us", Value: 100 * time.Microsecond}}}
	for i, rate := range []float64{40e3, 5e3, 20e3, 10e3} { // out of order on purpose
		d := time.Duration(rate/1e3) * 10 * time.Microsecond
		if i == 0 {
			d *= 100
		}
		c.Points = append(c.Points, CapacityPoint{Rate: rate, P50: d, P99: 3 * d, P999: 5 * d})
	}
	return c
}

func TestCapacity(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := Capacity(&b, "png", capacityChart()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cap.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.CheckPNG(t, path, plotSize)

	b.Reset()
	c := capacityChart()
	c.FormatRate = func(v float64) string { return fmt.Sprintf("%gr", v) }
	if err := Capacity(&b, "svg", c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "Capacity 20 k msgs/s", "SLO p99.9&lt;1ms", "SLO p50&lt;100us", "capacity 20 k msgs/s", "p99.9", "20000r", "achieved throughput (msgs/s)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

func TestCapacityErrors(t *testing.T) {
	empty := capacityChart()
	empty.Points = nil
	tests := []struct {
		name   string
		format string
		c      CapacityChart
		want   string
	}{
		{"no points", "png", empty, "no measured step"},
		{"bad format", "gif", capacityChart(), "want png or svg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Capacity(&b, tt.format, tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("a failed plot wrote %d bytes", b.Len())
			}
		})
	}
}

// The throughput axis has a labelled tick at the capacity, and the ticks
// next to it lose their labels rather than overlap it.
func TestCapacityTick(t *testing.T) {
	format := func(v float64) string { return strconv.FormatFloat(v/1000, 'f', 1, 64) + " k" }
	ticks := markedTicks{logTicks{format: format}, 21_600}.Ticks(1000, 50_000)
	var at *plot.Tick
	for i := range ticks {
		if ticks[i].Value == 21_600 {
			at = &ticks[i]
		}
		if ticks[i].Value == 20_000 && ticks[i].Label != "" {
			t.Errorf("the 20 k tick keeps its label %q next to the capacity's", ticks[i].Label)
		}
		if ticks[i].Value == 10_000 && ticks[i].Label != "10.0 k" {
			t.Errorf("the 10 k tick is labelled %q, want 10.0 k", ticks[i].Label)
		}
	}
	if at == nil || at.Label != "21.6 k" {
		t.Fatalf("no tick labelled 21.6 k at the capacity: %+v", ticks)
	}
	if got := (markedTicks{logTicks{}, 0}).Ticks(1000, 50_000); len(got) != len(logTicks{}.Ticks(1000, 50_000)) {
		t.Errorf("no mark: %d ticks, want those of logTicks", len(got))
	}
}
