package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CapacityPoint is one measured step of a capacity search: the throughput
// it achieved and its RTT percentiles.
type CapacityPoint struct {
	Rate           float64 // achieved throughput, msgs/s
	P50, P99, P999 time.Duration
}

// SLOBound is one bound of a service level objective, drawn as a
// horizontal line.
type SLOBound struct {
	Label string // in the legend, as "SLO <Label>"
	Value time.Duration
}

// CapacityChart is what Capacity draws.
type CapacityChart struct {
	Title  string
	Points []CapacityPoint // in any order; at least one
	SLO    []SLOBound
	// Capacity is the throughput achieved at the capacity found, marked by
	// a vertical line labelled CapacityLabel; 0 for none.
	Capacity      float64
	CapacityLabel string
	// FormatRate labels the throughput axis; nil prints plain numbers.
	FormatRate func(msgsPerSec float64) string
}

// Capacity draws c to w: the p50, p99 and p99.9 RTT of each point against
// the throughput it achieved, both on log scales, with each SLO bound as a
// horizontal dashed line and the capacity as a vertical one. format is
// "png" or "svg"; the plot has the size of the others. Nothing is written
// if the plot fails.
func Capacity(w io.Writer, format string, c CapacityChart) error {
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot: want png or svg, not %q", format)
	}
	if len(c.Points) == 0 {
		return errors.New("plot: the result has no measured step")
	}
	pts := slices.Clone(c.Points)
	slices.SortFunc(pts, func(a, b CapacityPoint) int { return cmpFloat(a.Rate, b.Rate) })

	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = "achieved throughput (msgs/s)"
	p.Y.Label.Text = "rtt from the scheduled send (µs)"
	// The legend goes in a column of its own right of the plot, where it
	// covers neither the lines nor the axis labels.
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	p.Add(plotter.NewGrid())

	ylo, yhi := math.Inf(1), 0.0
	xlo, xhi := pts[0].Rate, pts[len(pts)-1].Rate
	series := []struct {
		name string
		y    func(CapacityPoint) time.Duration
	}{
		{"p50", func(q CapacityPoint) time.Duration { return q.P50 }},
		{"p99", func(q CapacityPoint) time.Duration { return q.P99 }},
		{"p99.9", func(q CapacityPoint) time.Duration { return q.P999 }},
	}
	for i, s := range series {
		xys := make(plotter.XYs, len(pts))
		for j, q := range pts {
			xys[j] = plotter.XY{X: q.Rate, Y: usOfNs(int64(s.y(q)))}
			ylo, yhi = min(ylo, xys[j].Y), max(yhi, xys[j].Y)
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		line.Color, line.Width = plotutil.Color(i), vg.Points(1.5)
		points.Color, points.Shape = plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		legend.Add(s.name, line, points)
	}
	for _, b := range c.SLO {
		ylo, yhi = min(ylo, float64(b.Value)/1e3), max(yhi, float64(b.Value)/1e3)
	}
	if c.Capacity > 0 {
		xlo, xhi = min(xlo, c.Capacity), max(xhi, c.Capacity)
	}
	// Pad the ranges so that the lines at the bounds stay visible.
	xlo, xhi = xlo/1.2, xhi*1.2
	ylo, yhi = max(ylo, 1e-3)/2, yhi*2
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi
	p.X.Tick.Marker = markedTicks{logTicks{format: c.FormatRate}, c.Capacity}
	p.Y.Tick.Marker = logTicks{}

	red := color.RGBA{R: 200, A: 255}
	for i, b := range c.SLO {
		y := float64(b.Value) / 1e3
		l, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: y}, {X: xhi, Y: y}})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color, l.Width = red, vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3 + 2*float64(i))}
		p.Add(l)
		legend.Add("SLO "+b.Label, l)
	}
	if c.Capacity > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: c.Capacity, Y: ylo}, {X: c.Capacity, Y: yhi}})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color, l.Width = color.Black, vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		legend.Add(c.CapacityLabel, l)
	}
	cv, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	m := vg.Points(plotMargin)
	whole := draw.Crop(draw.New(cv), m, -m, m, -m)
	lw := legend.Rectangle(whole).Size().X + m
	pc := draw.Crop(whole, 0, -lw, 0, 0)
	p.Draw(pc)
	// The legend's top is level with the data area's.
	top := whole.Max.Y - p.DataCanvas(pc).Max.Y
	legend.Draw(draw.Crop(whole, whole.Size().X-lw+m, 0, 0, -top))
	// Draw fully before writing, so that a failed plot writes nothing.
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// markedTicks are the ticks of t with one more at mark (none if mark is
// 0), labelled, such as the capacity on the throughput axis; labels of
// ticks within markClearance of the mark are dropped so that they do not
// overlap its label.
type markedTicks struct {
	t    logTicks
	mark float64
}

var _ plot.Ticker = markedTicks{}

func (mt markedTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := mt.t.Ticks(lo, hi)
	if mt.mark <= 0 || mt.mark < lo || mt.mark > hi {
		return ticks
	}
	format := mt.t.format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	}
	for i := range ticks {
		if math.Abs(math.Log10(ticks[i].Value/mt.mark)) < markClearance {
			ticks[i].Label = ""
		}
	}
	return append(ticks, plot.Tick{Value: mt.mark, Label: format(mt.mark)})
}

// markClearance is how close to the mark, in decades, a tick loses its
// label: 0.12 decades is about 32 points on the default plot's axis.
const markClearance = 0.12
