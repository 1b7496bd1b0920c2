package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gigadex/gigadex/capacity"
)

// capacityFixture is a capacity search measured against an in-process
// echo server (gigadex capacity --slo 'p99<40ms,p99.9<80ms' --conns 2
// --start 2k --step 500ms --precision 15%): 8 steps, capacity 22 k msgs/s.
const capacityFixture = "testdata/capacity.json"

// capacityVariant writes the fixture with its verdict's capacity replaced
// by rate (the target of another step, or 0 for none), as a search that
// found less would have written it.
func capacityVariant(t *testing.T, rate string) string {
	t.Helper()
	data, err := os.ReadFile(capacityFixture)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), `"capacity_msgs_per_sec": 22000`, `"capacity_msgs_per_sec": `+rate, 1)
	if s == string(data) {
		t.Fatal("the fixture's verdict is not 22000 msgs/s")
	}
	path := filepath.Join(t.TempDir(), "capacity-"+rate+".json")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportReadsCapacity: report table prints a capacity result as the
// capacity command does; compare, hgrm and the threshold check read it as
// the step at its capacity.
func TestReportReadsCapacity(t *testing.T) {
	res, err := os.Open(capacityFixture)
	if err != nil {
		t.Fatal(err)
	}
	want, err := capacity.ReadJSON(res)
	res.Close()
	if err != nil {
		t.Fatal(err)
	}
	lower := capacityVariant(t, "8000") // step 3 passed at 8 k msgs/s
	none := capacityVariant(t, "0")
	tests := []struct {
		name    string
		args    []string
		code    int
		wantOut []string
		wantErr string
	}{
		{"table", []string{"table", capacityFixture}, exitOK,
			[]string{"| step | target (msgs/s) |", "|    8 |          22.0 k |", want.Line()}, ""},
		{"table from stdin", []string{"table", "-"}, exitOK, []string{want.Line()}, ""},
		{"markdown table", []string{"table", "--markdown", capacityFixture}, exitOK, []string{"|:---", "| pass   |", want.Line()}, ""},
		{"compare with itself", []string{"compare", "--baseline", capacityFixture, capacityFixture}, exitOK,
			[]string{"capacity 127.0.0.1", "target 22.00 k msgs/s", "result: no regression"}, ""},
		{"a lower capacity regresses", []string{"compare", "--baseline", capacityFixture, lower}, exitRegression,
			[]string{"msgs_per_sec", "REGRESSED"}, "regression: msgs_per_sec -6"},
		{"a higher capacity does not", []string{"compare", "--baseline", lower, capacityFixture, "--max-regress", "msgs_per_sec=5%"}, exitOK,
			[]string{"result: no regression"}, ""},
		{"threshold at the capacity", []string{"compare", "--baseline", capacityFixture, capacityFixture, "--threshold", "msgs_per_sec>25000"}, exitRegression,
			[]string{"FAIL: msgs_per_sec"}, "thresholds not met"},
		{"no passing step", []string{"compare", "--baseline", capacityFixture, none}, exitRunError,
			nil, "no step passed has no figures at its capacity"},
		{"hgrm at the capacity", []string{"hgrm", capacityFixture}, exitOK, []string{"#[Max     =    33914.879"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin := ""
			if tt.args[len(tt.args)-1] == "-" {
				data, err := os.ReadFile(capacityFixture)
				if err != nil {
					t.Fatal(err)
				}
				stdin = string(data)
			}
			out, errs, code := runCLI(t, stdin, append([]string{"report"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errs, tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, errs)
			}
			if strings.Contains(errs, "run differently") {
				t.Errorf("two capacity searches with the same settings are called different: %s", errs)
			}
		})
	}
}
