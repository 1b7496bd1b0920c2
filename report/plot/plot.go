// Package plot draws results of package report as PNG or SVG images with
// gonum/plot: RTT percentile distributions, RTT over time and RTT against
// throughput for a capacity search. It is apart from report so that the
// load drivers, which import report, do not import a plotting library.
package plot

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gigadex/gigadex/report"
)

// Size of the plots written by Percentiles, OverTime and Capacity: 768x480
// pixels in PNG, with a margin around the drawing so that labels and the
// legend at the edges are not cut.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 5 * vg.Inch
	plotMargin = 10 // points
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

// Percentiles draws the RTT percentile distribution of runs, overlaid
// (and, dashed, the order-to-fill latencies of runs against an exchange),
// as HdrHistogram's plotter does: x is 1/(1-percentile) on a log scale,
// labelled 50%, 90%, 99%, 99.9% and so on; y is the RTT in µs, on a log
// scale so that the median and a tail a thousand times slower both show.
// names label the runs in the legend; a missing name becomes "run N". The
// format, PNG or SVG, follows the extension of path.
func Percentiles(path string, runs []*report.Run, names []string) error {
	if len(runs) == 0 {
		return errors.New("plot: no runs")
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
	var ys yRange
	for i, r := range runs {
		name := fmt.Sprintf("run %d", i+1)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		// The order-to-fill latencies of a run against an exchange are
		// drawn like its RTTs, dashed.
		for _, c := range []struct {
			h      *hdrhistogram.Histogram
			suffix string
			dashed bool
		}{{r.RTT, "", false}, {r.Fill, " fill", true}} {
			xys := percentileXYs(c.h)
			if len(xys) == 0 {
				continue
			}
			maxX = max(maxX, xys[len(xys)-1].X)
			ys.add(xys)
			line, err := plotter.NewLine(xys)
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			line.Color = plotutil.Color(i)
			line.Width = vg.Points(1.5)
			if c.dashed {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(line)
			p.Legend.Add(name+c.suffix, line)
		}
	}
	p.X.Min, p.X.Max = 1, math.Pow(10, math.Ceil(math.Log10(maxX)))
	ys.apply(&p.Y, 0)
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
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	var xys plotter.XYs
	for _, b := range h.CumulativeDistributionWithTicks(report.PercentileTicks) {
		q := b.Quantile / 100
		if q >= 1 {
			continue
		}
		xys = append(xys, plotter.XY{X: 1 / (1 - q), Y: usOfNs(b.ValueAt)})
	}
	return xys
}

// usOfNs converts ns to µs for a log axis, raising 0 to 1 ns.
func usOfNs(ns int64) float64 {
	return float64(max(ns, 1)) / 1e3
}

// yRange collects the extent of the y values of a plot.
type yRange struct{ lo, hi float64 }

func (r *yRange) add(xys plotter.XYs) {
	for _, xy := range xys {
		if r.lo == 0 || xy.Y < r.lo {
			r.lo = xy.Y
		}
		r.hi = max(r.hi, xy.Y)
	}
}

// apply turns the axis a into a log axis running from the 1-2-5 step at or
// below the smallest value to the one at or above the largest, plus
// headroom steps more, which leave room for a legend.
func (r yRange) apply(a *plot.Axis, headroom int) {
	if r.lo <= 0 {
		r.lo, r.hi = 1, 10
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = step125(r.lo, false), step125(r.hi, true)
	if a.Max <= a.Min {
		a.Max = step125(a.Min*1.01, true)
	}
	for range headroom {
		a.Max = step125(a.Max*1.01, true)
	}
}

// step125 returns the largest value of the series ... 0.5, 1, 2, 5, 10,
// 20, 50 ... at or below v, or with up set the smallest at or above v.
func step125(v float64, up bool) float64 {
	decade := math.Pow(10, math.Floor(math.Log10(v)))
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, s := range steps {
			if s*decade >= v*(1-1e-9) {
				return s * decade
			}
		}
		return 10 * decade
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i]*decade <= v*(1+1e-9) {
			return steps[i] * decade
		}
	}
	return decade
}

// logTicks marks a log axis at 1, 2, ..., 9 times each power of ten and
// labels 1, 2 and 5 times each with format, or as plain numbers (0.5, 20,
// 1000) when format is nil.
type logTicks struct{ format func(float64) string }

var _ plot.Ticker = logTicks{}

func (lt logTicks) Ticks(lo, hi float64) []plot.Tick {
	format := lt.format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	var ticks []plot.Tick
	for decade := math.Pow(10, math.Floor(math.Log10(lo))); decade <= hi; decade *= 10 {
		for i := 1; i < 10; i++ {
			v := float64(i) * decade
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if i == 1 || i == 2 || i == 5 {
				t.Label = format(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// OverTime draws the p50, p99 and max RTT in µs of each second of
// intervals, such as those of a histogram log, against seconds since the
// first interval, with RTT on a log scale. Intervals of different tags that
// start in the same second are merged first. The format, PNG or SVG,
// follows the extension of path.
func OverTime(path string, intervals []report.Interval) error {
	if len(intervals) == 0 {
		return errors.New("plot: no intervals")
	}
	untagged := make([]report.Interval, len(intervals))
	for i, iv := range intervals {
		untagged[i] = iv
		untagged[i].Tag = ""
	}
	merged, err := report.MergeIntervals(untagged)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	t0 := merged[0].StartMs
	series := []struct {
		name string
		ns   func(h *hdrhistogram.PackedHistogram) int64
	}{
		{"p50", func(h *hdrhistogram.PackedHistogram) int64 { return h.ValueAtPercentile(50) }},
		{"p99", func(h *hdrhistogram.PackedHistogram) int64 { return h.ValueAtPercentile(99) }},
		{"max", (*hdrhistogram.PackedHistogram).Max},
	}
	p := plot.New()
	p.Title.Text = "RTT over time"
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "rtt (µs)"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	var ys yRange
	for i, s := range series {
		xys := make(plotter.XYs, 0, len(merged))
		for _, iv := range merged {
			if iv.Hist.TotalCount() == 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(iv.StartMs-t0) / 1e3, Y: usOfNs(s.ns(iv.Hist))})
		}
		ys.add(xys)
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	ys.apply(&p.Y, 2) // the legend is at the top left, above the lines
	return savePlot(p, path)
}

// savePlot writes p to path as PNG or SVG, by extension.
func savePlot(p *plot.Plot, path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return fmt.Errorf("plot %s: want a .png or .svg file name", path)
	}
	cv, err := drawPlot(p, ext[1:])
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := cv.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

// drawPlot draws p, with a margin, on a canvas of the plots' size in
// format, "png" or "svg".
func drawPlot(p *plot.Plot, format string) (vg.CanvasWriterTo, error) {
	cv, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	m := vg.Points(plotMargin)
	p.Draw(draw.Crop(draw.New(cv), m, -m, m, -m))
	return cv, nil
}
