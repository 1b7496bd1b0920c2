package plot

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/internal/fixture"
)

// checkPNG decodes the PNG at path and checks its size and that it is a
// drawing: many non-white pixels and several distinct colours.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds().Size(), (image.Point{768, 480}); got != want {
		t.Errorf("size %v, want %v", got, want)
	}
	colours := map[[4]uint32]bool{}
	nonWhite := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				nonWhite++
			}
		}
	}
	if len(colours) < 20 {
		t.Errorf("only %d distinct colours; the plot looks blank", len(colours))
	}
	if total := b.Dx() * b.Dy(); nonWhite < total/100 {
		t.Errorf("only %d of %d pixels are not white; the plot looks blank", nonWhite, total)
	}
}

func TestPercentiles(t *testing.T) {
	dir := t.TempDir()
	runs := []*report.Run{fixture.Run(1, 0), fixture.Run(2, 2000)}
	png := filepath.Join(dir, "latency.png")
	if err := Percentiles(png, runs, []string{"closed loop", "2000 msgs/s"}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, png)

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
	checkPNG(t, path)
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
