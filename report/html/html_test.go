package html_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/html"
)

// The results of real runs against an in-process echo server (see the
// testdata of the module root): a rate-limited ping with two thresholds,
// a flood, two pings merged, and a capacity search.
var inputs = []string{"ping", "flood", "merged", "capacity"}

func readInputs(t *testing.T) (html.Page, map[string]map[string]any) {
	t.Helper()
	page := html.Page{Title: "gigadex report"}
	docs := map[string]map[string]any{}
	for _, name := range inputs {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		docs[name] = doc
		if name == "capacity" {
			res, err := capacity.ReadJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			page.Capacity = append(page.Capacity, html.FromCapacity(name, res))
			continue
		}
		run, err := report.ReadJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		page.Runs = append(page.Runs, html.Run{Name: name, Run: run})
	}
	return page, docs
}

// figure is one figure of the page as the browser sees it.
// TestWriteEscapes: names come from file names and flags; they cannot
// break out of the page's markup or its data.
func TestWriteEscapes(t *testing.T) {
	page, _ := readInputs(t)
	evil := `</script><script>alert(1)</script><b>`
	page.Runs[0].Name = evil
	page.Capacity[0].Name = evil
	var buf bytes.Buffer
	if err := html.Write(&buf, page); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, evil) || strings.Contains(out, "<script>alert(1)") {
		t.Error("a name is written unescaped")
	}
	// The page's own scripts: the data, uPlot and the drawing code.
	if n := strings.Count(out, "</script>"); n != 3 {
		t.Errorf("%d </script> tags, want 3", n)
	}
}

func TestWriteNothing(t *testing.T) {
	if err := html.Write(&bytes.Buffer{}, html.Page{}); err == nil {
		t.Error("an empty page is written without an error")
	}
	if err := html.Write(&bytes.Buffer{}, html.Page{Runs: []html.Run{{Name: "x", Run: &report.Run{}}}}); err == nil {
		t.Error("a run without a histogram is written without an error")
	}
}
