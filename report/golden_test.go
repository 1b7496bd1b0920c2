package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
)

func TestWriteJSON(t *testing.T) {
	r := fixtureRun(1, 2000)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) }))
}

func TestWritePercentiles(t *testing.T) {
	r := fixtureRun(1, 0)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WritePercentiles(b, r) }))
}

func TestWriteHistogramLog(t *testing.T) {
	r := fixtureRun(1, 0)
	r.Start = r.Start.Add(250 * time.Millisecond) // a start that is not on a whole second
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteHistogramLog(b, r) }))
}
