package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gigadex/gigadex/capacity"
)

// plotCapacity draws a capacity result to w: the p50, p99 and p99.9 RTT of
// each step against the throughput it achieved, both on log scales, with
// each SLO bound as a horizontal dashed line and the capacity as a
// vertical one. format is "png" or "svg".
func plotCapacity(w io.Writer, format string, res *capacity.Result) error {
	type point struct{ x, p50, p99, p999 float64 }
	var pts []point
	for i := range res.Steps {
		s := &res.Steps[i]
		if s.Outcome == capacity.Incomplete || s.Run == nil || s.Run.RTT == nil || s.Run.RTT.TotalCount() == 0 || s.Achieved() <= 0 {
			continue
		}
		pts = append(pts, point{s.Achieved(), usOf(s, "p50"), usOf(s, "p99"), usOf(s, "p99.9")})
	}
	if len(pts) == 0 {
		return errors.New("plot: the result has no measured step")
	}
	slices.SortFunc(pts, func(a, b point) int { return cmpFloat(a.x, b.x) })

	p := plot.New()
	p.Title.Text = "RTT against throughput, SLO " + res.SLO.String()
	if res.Capacity > 0 {
		p.Title.Text = fmt.Sprintf("Capacity %s msgs/s under SLO %s", capacity.FormatRate(res.Capacity), res.SLO.String())
	}
	p.X.Label.Text = "achieved throughput (msgs/s)"
	p.Y.Label.Text = "rtt from the scheduled send (µs)"
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	ylo, yhi := math.Inf(1), 0.0
	xlo, xhi := pts[0].x, pts[len(pts)-1].x
	series := []struct {
		name string
		y    func(point) float64
	}{{"p50", func(q point) float64 { return q.p50 }}, {"p99", func(q point) float64 { return q.p99 }}, {"p99.9", func(q point) float64 { return q.p999 }}}
	for i, s := range series {
		xys := make(plotter.XYs, len(pts))
		for j, q := range pts {
			xys[j] = plotter.XY{X: q.x, Y: s.y(q)}
			ylo, yhi = min(ylo, xys[j].Y), max(yhi, xys[j].Y)
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		line.Color, line.Width = plotutil.Color(i), vg.Points(1.5)
		points.Color, points.Shape = plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	for _, t := range res.SLO {
		ylo, yhi = min(ylo, t.Threshold.Value/1e3), max(yhi, t.Threshold.Value/1e3)
	}
	if b := res.Best(); b != nil {
		xlo, xhi = min(xlo, b.Achieved()), max(xhi, b.Achieved())
	}
	// Pad the ranges so that the lines at the bounds stay visible.
	xlo, xhi = xlo/1.2, xhi*1.2
	ylo, yhi = max(ylo, 1e-3)/2, yhi*4 // room above for the legend
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi
	p.X.Tick.Marker = logTicks125{format: func(v float64) string {
		return strings.TrimSuffix(strings.ReplaceAll(capacity.FormatRate(v), ".0 ", " "), ".0")
	}}
	p.Y.Tick.Marker = logTicks125{format: func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }}

	red := color.RGBA{R: 200, A: 255}
	for i, t := range res.SLO {
		y := t.Threshold.Value / 1e3
		l, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: y}, {X: xhi, Y: y}})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color, l.Width = red, vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3 + 2*float64(i))}
		p.Add(l)
		p.Legend.Add("SLO "+t.Expr, l)
	}
	if b := res.Best(); b != nil {
		x := b.Achieved()
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ylo}, {X: x, Y: yhi}})
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		l.Color, l.Width = color.Black, vg.Points(1)
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("capacity %s msgs/s", capacity.FormatRate(res.Capacity)), l)
	}
	return saveCapacityPlot(w, format, p)
}

func usOf(s *capacity.Step, metric string) float64 {
	return float64(max(s.Latency(metric), 1)) / 1e3
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

// logTicks125 marks a log axis at 1..9 times each power of ten and labels
// 1, 2 and 5 times each with format.
type logTicks125 struct{ format func(float64) string }

func (lt logTicks125) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for decade := math.Pow(10, math.Floor(math.Log10(lo))); decade <= hi; decade *= 10 {
		for i := 1; i < 10; i++ {
			v := float64(i) * decade
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if i == 1 || i == 2 || i == 5 {
				t.Label = lt.format(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// saveCapacityPlot writes p to w as PNG or SVG at the size of report's
// plots (768x480 pixels in PNG).
func saveCapacityPlot(w io.Writer, format string, p *plot.Plot) error {
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot: want png or svg, not %q", format)
	}
	wt, err := draw.NewFormattedCanvas(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	m := vg.Points(10)
	p.Draw(draw.Crop(draw.New(wt), m, -m, m, -m))
	// Draw fully before writing, so that a failed plot writes nothing.
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// reportPlotCapacity is report plot's path for capacity results: when the
// inputs hold a gigadex.capacity/v1 document it plots that one and reports
// true. "-" is read from stdin; if it is not a capacity result, the
// command's reader is reset so that the caller reads the same bytes.
func reportPlotCapacity(c *cli.Context, paths []string, out string) (bool, error) {
	var found []*capacity.Result
	for _, path := range paths {
		var data []byte
		var err error
		if path == "-" {
			if data, err = io.ReadAll(c.App.Reader); err != nil {
				return true, reportFail("plot", err)
			}
			c.App.Reader = bytes.NewReader(data)
		} else if data, err = os.ReadFile(path); err != nil {
			return true, reportFail("plot", err)
		}
		var head struct {
			Schema string `json:"schema"`
		}
		if json.Unmarshal(data, &head) != nil || head.Schema != capacity.Schema {
			continue
		}
		res, err := capacity.ReadJSON(bytes.NewReader(data))
		if err != nil {
			return true, reportFail("plot", fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "capacity: ")))
		}
		found = append(found, res)
	}
	switch {
	case len(found) == 0:
		return false, nil
	case len(paths) > 1:
		return true, usagef("report plot: a capacity result is plotted on its own: give one RESULT")
	case c.Bool("over-time"):
		return true, usagef("report plot: --over-time does not apply to a capacity result")
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	return true, reportFail("plot", writeOutput(c, out, func(w io.Writer) error { return plotCapacity(w, format, found[0]) }))
}
