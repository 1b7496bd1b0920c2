package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Size of the plots written by PlotPercentiles and PlotOverTime: 768x480
// pixels in PNG.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 5 * vg.Inch
)

// percentileTicks label the x axis of a percentile plot, where x is
// 1/(1-percentile).
var percentileTicks = []plot.Tick{
	{Value: 2, Label: "50%"},
	{Value: 10, Label: "90%"},
	{Value: 100, Label: "99%"},
	{Value: 1e3, Label: "99.9%"},
	{Value: 1e4, Label: "99.99%"},
	{Value: 1e5, Label: "99.999%"},
	{Value: 1e6, Label: "99.9999%"},
}

// PlotPercentiles draws the RTT percentile distribution of runs, overlaid,
// as HdrHistogram's plotter does: x is 1/(1-percentile) on a log scale,
// labelled 50%, 90%, 99%, 99.9% and so on; y is the RTT in µs. names label
// the runs in the legend; a missing name becomes "run N". The format, PNG or
// SVG, follows the extension of path.
func PlotPercentiles(path string, runs []*Run, names []string) error {
	if len(runs) == 0 {
		return errors.New("report: plot: no runs")
	}
	p := plot.New()
	p.Title.Text = "RTT by percentile"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "rtt (µs)"
	p.X.Scale = plot.LogScale{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	maxX := 100.0
	for i, r := range runs {
		xys := percentileXYs(rttOf(r))
		if len(xys) == 0 {
			continue
		}
		maxX = max(maxX, xys[len(xys)-1].X)
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("report: plot: %w", err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		p.Add(line)
		name := fmt.Sprintf("run %d", i+1)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		p.Legend.Add(name, line)
	}
	p.X.Min, p.X.Max = 1, math.Pow(10, math.Ceil(math.Log10(maxX)))
	p.Y.Min = 0
	var ticks []plot.Tick
	for _, t := range percentileTicks {
		if t.Value <= p.X.Max {
			ticks = append(ticks, t)
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	return savePlot(p, path)
}

// percentileXYs returns the percentile spectrum of h as (1/(1-q), µs)
// points, leaving out the 100% point, whose x is infinite.
func percentileXYs(h *hdrhistogram.Histogram) plotter.XYs {
	if h.TotalCount() == 0 {
		return nil
	}
	var xys plotter.XYs
	for _, b := range h.CumulativeDistributionWithTicks(PercentileTicks) {
		q := b.Quantile / 100
		if q >= 1 {
			continue
		}
		xys = append(xys, plotter.XY{X: 1 / (1 - q), Y: float64(b.ValueAt) / 1e3})
	}
	return xys
}

// PlotOverTime draws the p50, p99 and max RTT in µs of each second of
// intervals, such as those of a histogram log, against seconds since the
// first interval. Intervals of different tags that start in the same second
// are merged first. The format, PNG or SVG, follows the extension of path.
func PlotOverTime(path string, intervals []Interval) error {
	if len(intervals) == 0 {
		return errors.New("report: plot: no intervals")
	}
	untagged := make([]Interval, len(intervals))
	for i, iv := range intervals {
		untagged[i] = iv
		untagged[i].Tag = ""
	}
	merged, err := MergeIntervals(untagged)
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	t0 := merged[0].StartMs
	series := []struct {
		name string
		ns   func(h *hdrhistogram.Histogram) int64
	}{
		{"p50", func(h *hdrhistogram.Histogram) int64 { return h.ValueAtQuantile(50) }},
		{"p99", func(h *hdrhistogram.Histogram) int64 { return h.ValueAtQuantile(99) }},
		{"max", (*hdrhistogram.Histogram).Max},
	}
	p := plot.New()
	p.Title.Text = "RTT over time"
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "rtt (µs)"
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xys := make(plotter.XYs, 0, len(merged))
		for _, iv := range merged {
			if iv.Hist.TotalCount() == 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(iv.StartMs-t0) / 1e3, Y: float64(s.ns(iv.Hist)) / 1e3})
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("report: plot: %w", err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	p.Y.Min = 0
	return savePlot(p, path)
}

// savePlot writes p to path as PNG or SVG, by extension.
func savePlot(p *plot.Plot, path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return fmt.Errorf("report: plot %s: want a .png or .svg file name", path)
	}
	wt, err := p.WriterTo(plotWidth, plotHeight, ext[1:])
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	if _, err := wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	return nil
}
