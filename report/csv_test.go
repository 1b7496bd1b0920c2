package report

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"testing"

	"github.com/gigadex/gigadex/internal/testutil"
)

func TestWriteSecondsCSV(t *testing.T) {
	r := fixtureRun(1, 0)
	out := testutil.Output(t, func(b *bytes.Buffer) error { return WriteSecondsCSV(b, r) })
	testutil.Golden(t, out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Each second's "all" row counts what its tags' rows count.
	var all, tagged int64
	for _, row := range rows[1:] {
		n, err := strconv.ParseInt(row[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if row[1] == AllTags {
			all += n
		} else {
			tagged += n
		}
	}
	if all != r.RTT.TotalCount() || tagged != all {
		t.Errorf("all rows count %d, tagged rows %d, want both %d", all, tagged, r.RTT.TotalCount())
	}
}

func TestWriteSpectrumCSV(t *testing.T) {
	r := fixtureRun(1, 0)
	out := testutil.Output(t, func(b *bytes.Buffer) error { return WriteSpectrumCSV(b, r) })
	testutil.Golden(t, out)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last[0] != "100" || last[1] != strconv.FormatInt(r.RTT.Max(), 10) || last[2] != strconv.FormatInt(r.RTT.TotalCount(), 10) || last[3] != "" {
		t.Errorf("last row %v, want 100%% at the max %d, count %d", last, r.RTT.Max(), r.RTT.TotalCount())
	}
}

func TestWriteCSVNoIntervals(t *testing.T) {
	r := NewRun("ping", "x", 1)
	out := testutil.Output(t, func(b *bytes.Buffer) error { return WriteSecondsCSV(b, r) })
	if string(out) != "time,tag,count,p50_ns,p99_ns,p99_9_ns,max_ns\n" {
		t.Errorf("got %q, want the header alone", out)
	}
}
