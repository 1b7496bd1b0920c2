// Package html writes results as one self-contained HTML page: tables of
// the figures and interactive charts (uPlot, embedded with its licence),
// with nothing fetched when the page is viewed. For ping, flood and merged
// results it draws the RTT percentile spectrum on HdrHistogram's log axis
// (several runs overlaid), p50, p99 and max RTT and the throughput of each
// second, the per-connection spread, and tables of the generator and the
// thresholds; for a capacity search, RTT against throughput with the SLO.
//
// Every figure in a table is an element with data-metric (its name, as in
// the JSON result), data-value (the raw number: nanoseconds, msgs/s or a
// count) and data-run (the index of its result), so that a browser test
// or a script can read them back.
package html

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/gigadex/gigadex/report"
)

var (
	//go:embed third_party/uplot/uPlot.iife.min.js
	uplotJS string
	//go:embed third_party/uplot/uPlot.min.css
	uplotCSS string
	//go:embed third_party/uplot/LICENSE
	uplotLicense string
	//go:embed page.js
	pageJS string
	//go:embed page.css
	pageCSS string
	//go:embed page.tmpl
	pageTmpl string
)

var tmpl = template.Must(template.New("page").Parse(pageTmpl))

// Page is what [Write] draws: results, capacity searches, or both.
type Page struct {
	Title    string     // the page's title and heading
	Runs     []Run      // ping, flood and merged results, overlaid where they share a chart
	Capacity []Capacity // capacity searches, one section each
}

// Run is one result and the name the page gives it (a file name, say).
type Run struct {
	Name string
	Run  *report.Run
}

// Capacity is one capacity search as the page shows it.
type Capacity struct {
	Name    string
	Verdict string // the verdict line, "capacity: ..."
	SLO     []SLOBound
	Steps   []Step
	// Capacity is the throughput achieved at the capacity found, msgs/s,
	// marked on the chart; 0 for none.
	Capacity float64
	// Generator is what the generator cost over the search; Notes are
	// lines about it (its highest rate, late sends, whether it was the
	// limit).
	Generator *report.Generator
	Notes     []string
}

// SLOBound is one term of an SLO, drawn as a horizontal line.
type SLOBound struct {
	Label   string // "p99<50us"
	ValueNs int64
}

// Step is one step of a capacity search.
type Step struct {
	Index            int
	Target, Achieved float64 // msgs/s
	// Latency from the schedule (corrected), nanoseconds.
	P50, P99, P999, Max int64
	Errors              int64
	Outcome             string // "pass", "fail", ...
	Failed              []string
}

// Write writes p to w as one HTML document. It fails if p has nothing to
// draw or a run has no RTT histogram.
func Write(w io.Writer, p Page) error {
	if len(p.Runs) == 0 && len(p.Capacity) == 0 {
		return fmt.Errorf("html: nothing to draw")
	}
	data := pageData{Runs: make([]runData, 0, len(p.Runs)), Capacity: make([]capacityData, 0, len(p.Capacity))}
	v := view{Title: p.Title, UPlotJS: template.JS(uplotJS), PageJS: template.JS(pageJS),
		UPlotCSS: template.CSS(uplotCSS), PageCSS: template.CSS(pageCSS), UPlotLicense: uplotLicense}
	for i, r := range p.Runs {
		if r.Run == nil || r.Run.RTT == nil {
			return fmt.Errorf("html: result %d (%s) has no RTT histogram", i+1, r.Name)
		}
		rd, err := runChartData(r)
		if err != nil {
			return fmt.Errorf("html: %s: %w", r.Name, err)
		}
		data.Runs = append(data.Runs, rd)
		v.Runs = append(v.Runs, runViewOf(i, r, len(rd.Seconds[0]) > 0))
	}
	v.Summary = summaryRows(p.Runs)
	for i, c := range p.Capacity {
		data.Capacity = append(data.Capacity, capacityChartData(c))
		v.Capacity = append(v.Capacity, capacityViewOf(i, c))
	}
	js, err := json.Marshal(data) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("html: %w", err)
	}
	v.Data = template.JS(js)
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// pageData is what the page's script draws, as JSON: latencies in
// microseconds, rates in msgs/s, times in seconds from each run's first
// interval.
type pageData struct {
	Runs     []runData      `json:"runs"`
	Capacity []capacityData `json:"capacity"`
}

type runData struct {
	Name string `json:"name"`
	// Spectrum: x is 1/(1-percentile), HdrHistogram's axis; y the RTT.
	Spectrum [2][]float64 `json:"spectrum"`
	// Seconds: x, p50, p99, max (µs; null in a second without replies,
	// which a log axis cannot show), replies per second.
	Seconds [5][]*float64 `json:"seconds"`
	// Conns: connection number, msgs/s, p99 (µs).
	Conns [3][]float64 `json:"conns"`
}

type capacityData struct {
	Name string `json:"name"`
	// Points: achieved msgs/s, p50, p99, p99.9 (µs), sorted by rate.
	Points   [4][]float64 `json:"points"`
	SLO      []sloData    `json:"slo"`
	Capacity float64      `json:"capacity"`
}

type sloData struct {
	Label string  `json:"label"`
	Value float64 `json:"value"` // µs
}

func runChartData(r Run) (runData, error) {
	d := runData{Name: r.Name, Spectrum: [2][]float64{{}, {}}, Conns: [3][]float64{{}, {}, {}}}
	for _, p := range report.Spectrum(r.Run.RTT) {
		if p.Percentile >= 100 {
			break // 1/(1-1) is off the axis; the max is in the table
		}
		d.Spectrum[0] = append(d.Spectrum[0], 1/(1-p.Percentile/100))
		d.Spectrum[1] = append(d.Spectrum[1], micros(p.ValueNs))
	}
	if len(r.Run.Intervals) > 0 {
		ivs, err := report.Untagged(r.Run.Intervals)
		if err != nil {
			return d, err
		}
		first := ivs[0].StartMs
		for _, s := range report.SummarizeSeconds(ivs) {
			rate := 0.0
			if s.EndMs > s.StartMs {
				rate = float64(s.Count) / (float64(s.EndMs-s.StartMs) / 1e3)
			}
			row := [5]*float64{num(float64(s.StartMs-first) / 1e3), nil, nil, nil, num(rate)}
			if s.Count > 0 {
				row[1], row[2], row[3] = num(micros(s.P50)), num(micros(s.P99)), num(micros(s.Max))
			}
			for i, v := range row {
				d.Seconds[i] = append(d.Seconds[i], v)
			}
		}
	}
	for _, c := range r.Run.PerConn {
		d.Conns[0] = append(d.Conns[0], float64(c.Conn))
		d.Conns[1] = append(d.Conns[1], c.MsgsPerSec)
		d.Conns[2] = append(d.Conns[2], micros(c.P99Ns))
	}
	return d, nil
}

func capacityChartData(c Capacity) capacityData {
	d := capacityData{Name: c.Name, Capacity: c.Capacity, SLO: []sloData{}, Points: [4][]float64{{}, {}, {}, {}}}
	steps := make([]Step, 0, len(c.Steps))
	for _, s := range c.Steps {
		if s.Achieved > 0 && s.P50 > 0 {
			steps = append(steps, s)
		}
	}
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.Achieved, b.Achieved) })
	for _, s := range steps {
		d.Points[0] = append(d.Points[0], s.Achieved)
		d.Points[1] = append(d.Points[1], micros(s.P50))
		d.Points[2] = append(d.Points[2], micros(s.P99))
		d.Points[3] = append(d.Points[3], micros(s.P999))
	}
	for _, b := range c.SLO {
		d.SLO = append(d.SLO, sloData{Label: b.Label, Value: micros(b.ValueNs)})
	}
	return d
}

func micros(ns int64) float64 { return float64(ns) / 1e3 }

func num(v float64) *float64 { return &v }

// formatMicros formats nanoseconds as microseconds with three decimals,
// the unit and precision of a .hgrm file: "10125.311 µs".
func formatMicros(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e3, 'f', 3, 64) + " µs"
}

// formatRate formats msgs/s with one decimal: "4119888.9 msgs/s".
func formatRate(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " msgs/s"
}
