//go:build linux && !race

// The browser tests run on Linux without -race: the page is written by one
// goroutine, and the race build of chromedp would cost CI a minute of CPU.

package html_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/html"
)

type figure struct {
	Run      string `json:"run"`
	Capacity string `json:"capacity"`
	Row      string `json:"row"`
	Metric   string `json:"metric"`
	Value    string `json:"value"`
	Text     string `json:"text"`
}

// chart is one chart container as the browser sees it.
type chart struct {
	ID      string `json:"id"`
	Series  string `json:"series"`
	Canvas  int    `json:"canvas"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Painted int    `json:"painted"` // pixels that are not transparent
}

const readFigures = `Array.from(document.querySelectorAll("[data-metric]")).map(e => ({
	run: e.dataset.run || "", capacity: e.dataset.capacity || "", row: e.dataset.row || "",
	metric: e.dataset.metric, value: e.dataset.value || "", text: e.textContent}))`

const readCharts = `Array.from(document.querySelectorAll(".chart")).map(el => {
	const c = el.querySelector("canvas");
	let painted = 0;
	if (c && c.width > 0 && c.height > 0) {
		const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
	}
	return {id: el.id, series: el.dataset.series || "", canvas: el.querySelectorAll("canvas").length,
		width: c ? c.width : 0, height: c ? c.height : 0, painted: painted};
})`

// TestPageInChromium renders a page of every kind of result in headless
// Chromium with the network off: every chart draws, no script error or
// warning is logged, nothing is requested but the page itself, and every
// figure on the page is the JSON's.
func TestPageInChromium(t *testing.T) {
	page, docs := readInputs(t)
	ctx, tl := newTab(t)
	openPage(t, ctx, writePage(t, page))

	pageErr, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.error || ""`))
	if err != nil || pageErr != "" {
		t.Fatalf("the page's script failed: %v %s", err, pageErr)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](readCharts))
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := map[string]string{ // id: series
		"chart-spectrum": "3", "chart-seconds-0": "4", "chart-seconds-1": "4", "chart-seconds-2": "4",
		"chart-conns-0": "2", "chart-conns-1": "2", "chart-conns-2": "2", "chart-capacity-0": "5",
	}
	if len(charts) != len(wantCharts) {
		t.Errorf("%d charts, want %d: %+v", len(charts), len(wantCharts), charts)
	}
	for _, c := range charts {
		if want, ok := wantCharts[c.ID]; !ok || c.Series != want {
			t.Errorf("chart %s: %s series, want %s", c.ID, c.Series, want)
		}
		// A drawn chart has axes, grid and lines: well over 1% of its pixels.
		if c.Canvas != 1 || c.Width < 300 || c.Height < 150 || c.Painted < c.Width*c.Height/100 {
			t.Errorf("chart %s not drawn: %d canvas, %dx%d, %d pixels painted", c.ID, c.Canvas, c.Width, c.Height, c.Painted)
		}
	}

	figs, err := chromedp.Run(ctx, chromedp.Evaluate[[]figure](readFigures))
	if err != nil {
		t.Fatal(err)
	}
	checked := checkFigures(t, figs, docs)
	if checked < 150 {
		t.Errorf("%d figures checked against the JSON, want the page's every figure (at least 150)", checked)
	}

	errs, reqs := tl.snapshot()
	for _, e := range errs {
		t.Errorf("browser: %s", e)
	}
	for _, r := range reqs {
		if !strings.HasPrefix(r, "file://") || !strings.HasSuffix(r, "/report.html") {
			t.Errorf("the page requested %s; it must need nothing but itself", r)
		}
	}
}

// checkFigures compares each figure with its field in the JSON result
// and returns how many it compared.
func checkFigures(t *testing.T, figs []figure, docs map[string]map[string]any) int {
	t.Helper()
	n := 0
	for _, f := range figs {
		var doc map[string]any
		switch {
		case f.Run != "":
			i, _ := strconv.Atoi(f.Run)
			doc = docs[inputs[i]]
		case f.Capacity != "":
			doc = docs["capacity"]
		}
		want, ok := jsonField(doc, f)
		if !ok {
			t.Errorf("figure %+v: no such field in the JSON", f)
			continue
		}
		if !sameValue(f.Value, want) {
			t.Errorf("%s %s%s row %s: page %q, JSON %v", inputName(f), f.Metric, "", f.Row, f.Value, want)
		}
		if !textShows(f, want) {
			t.Errorf("%s %s row %s: text %q does not show %v", inputName(f), f.Metric, f.Row, f.Text, want)
		}
		n++
	}
	return n
}

func inputName(f figure) string {
	if f.Capacity != "" {
		return "capacity"
	}
	i, _ := strconv.Atoi(f.Run)
	return inputs[i]
}

// jsonField finds the field a figure shows: "latency_ns.p99" is a path,
// "per_connection.*", "thresholds.*" and "steps.*" pick the element of
// that list whose conn, index or step is the figure's row.
func jsonField(doc map[string]any, f figure) (any, bool) {
	parts := strings.Split(f.Metric, ".")
	var cur any = doc
	switch parts[0] {
	case "per_connection", "thresholds", "steps":
		list, _ := doc[parts[0]].([]any)
		row, _ := strconv.Atoi(f.Row)
		cur = nil
		for i, e := range list {
			m := e.(map[string]any)
			if parts[0] == "per_connection" && m["conn"] == float64(row) || parts[0] == "thresholds" && i == row ||
				parts[0] == "steps" && m["step"] == float64(row) {
				cur = m
			}
		}
		parts = parts[1:]
	case "verdict":
	case "max_send_lag_ns":
		v, ok := doc["max_send_lag_ms"].(float64)
		return math.Round(v * 1e6), ok
	}
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if p == "p99_9" || p == "p99_99" || p == "send_lag_ns" {
			cur, ok = m[p]
		} else if cur, ok = m[p]; !ok && p == "value_ns" {
			return nil, false
		}
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// sameValue compares a data-value with a JSON value: numbers to within
// one unit of the last place (the JSON holds mean and rates as floats,
// the page a rounded nanosecond), strings and booleans exactly.
func sameValue(page string, want any) bool {
	switch w := want.(type) {
	case float64:
		v, err := strconv.ParseFloat(page, 64)
		return err == nil && (v == w || math.Abs(v-w) <= 0.5 || math.Abs(v-w) <= 1e-9*math.Abs(w))
	case bool:
		return page == strconv.FormatBool(w)
	case string:
		return page == w
	case []any:
		var parts []string
		for _, e := range w {
			parts = append(parts, e.(string))
		}
		return page == strings.Join(parts, ", ")
	}
	return false
}

// textShows checks that the text shows the value: nanoseconds as µs with
// three decimals, rates with one decimal, counts and words as they are.
func textShows(f figure, want any) bool {
	w, ok := want.(float64)
	if !ok {
		return true // strings and lists are compared through data-value, which is the text
	}
	switch {
	case strings.HasSuffix(f.Text, " µs"):
		return f.Text == strconv.FormatFloat(math.Round(w)/1e3, 'f', 3, 64)+" µs"
	case strings.HasSuffix(f.Text, " msgs/s"):
		return f.Text == strconv.FormatFloat(w, 'f', 1, 64)+" msgs/s"
	case strings.HasSuffix(f.Text, " s"):
		return f.Text == strconv.FormatFloat(w, 'f', 3, 64)+" s"
	case strings.HasSuffix(f.Text, " ns"):
		return f.Text == strconv.FormatFloat(w, 'f', 1, 64)+" ns"
	case f.Text == "closed loop":
		return w == 0
	case f.Metric == "thresholds.value":
		return f.Text == strconv.FormatFloat(w, 'f', -1, 64)
	}
	return f.Text == strconv.FormatFloat(w, 'f', -1, 64)
}

// TestEdgeCasesInChromium: a run that measured nothing, a second without
// replies and a capacity search with no measured step draw what there is,
// say "nothing to draw" for the rest, and log no error.
func TestEdgeCasesInChromium(t *testing.T) {
	page, _ := readInputs(t)
	empty := report.NewRun("ping", "127.0.0.1:9", 1)
	empty.PerConn = []report.ConnStats{{Conn: 0}}
	quiet := page.Runs[0].Run
	quiet.Intervals = append(quiet.Intervals, report.Interval{Tag: "heartbeat", StartMs: quiet.Intervals[len(quiet.Intervals)-1].StartMs + 1000,
		EndMs: quiet.Intervals[len(quiet.Intervals)-1].EndMs + 1000, Hist: report.NewPackedHistogram()})
	page.Runs = []html.Run{{Name: "quiet second", Run: quiet}, {Name: "nothing measured", Run: empty}}
	page.Capacity = []html.Capacity{{Name: "no step", Verdict: "capacity: interrupted before any rate passed (SLO p99<1ms)",
		SLO: []html.SLOBound{{Label: "p99<1ms", ValueNs: 1e6}}}}
	ctx, tl := newTab(t)
	openPage(t, ctx, writePage(t, page))
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](readCharts))
	if err != nil {
		t.Fatal(err)
	}
	drawn := map[string]bool{}
	for _, c := range charts {
		drawn[c.ID] = c.Canvas == 1 && c.Painted > 0
	}
	want := map[string]bool{"chart-spectrum": true, "chart-seconds-0": true, "chart-conns-0": true, "chart-conns-1": true, "chart-capacity-0": false}
	for id, w := range want {
		if d, ok := drawn[id]; !ok || d != w {
			t.Errorf("chart %s: present %v, drawn %v; want drawn %v", id, ok, d, w)
		}
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("chart-capacity-0").textContent`))
	if err != nil || text != "nothing to draw" {
		t.Errorf("the capacity chart without steps reads %q (%v)", text, err)
	}
	errs, _ := tl.snapshot()
	for _, e := range errs {
		t.Errorf("browser: %s", e)
	}
}

// writePage writes page to a file of the test's and returns its path.
func writePage(t *testing.T, page html.Page) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	var buf bytes.Buffer
	if err := html.Write(&buf, page); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
