package client

import (
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// TestRunBuffer checks that runs kept back from the recorder reach it in
// full, and that the first run of a second reaches it at once, so that the
// second before is published when it ends.
func TestRunBuffer(t *testing.T) {
	mix, err := ParseMix("heartbeat")
	if err != nil {
		t.Fatal(err)
	}
	w := loopWorker(64, mix, wire.ReplyEcho)
	ms := int64(time.Millisecond)
	var want int64
	for i := range int64(100) { // more than the buffer holds, in second 0
		w.keepRun(0, 100*ms+i*ms, 50_000+i, 3)
		want += 3
	}
	if got := w.rec.Count() + 3*int64(w.runs.n); got != want {
		t.Fatalf("recorder and buffer hold %d rtts, want %d", got, want)
	}
	if idx, _, _ := w.rec.LastSecond(); idx != -1 {
		t.Fatalf("second %d published during second 0", idx)
	}
	w.keepRun(0, 1100*ms, 60_000, 2)
	want += 2
	if w.runs.n != 0 || w.rec.Count() != want {
		t.Errorf("after the first run of second 1: %d runs kept back, %d rtts recorded; want 0 and %d", w.runs.n, w.rec.Count(), want)
	}
	if idx, total, _ := w.rec.LastSecond(); idx != 0 || total != want-2 {
		t.Errorf("LastSecond = second %d with %d rtts up to it, want second 0 with %d", idx, total, want-2)
	}
	w.keepRun(0, 1200*ms, 70_000, 1)
	w.recordRuns()
	if w.rec.Count() != want+1 {
		t.Errorf("recordRuns: %d rtts recorded, want %d", w.rec.Count(), want+1)
	}
	// The buffer is empty: the first run of the next second still goes
	// over at once, and publishes second 1.
	w.keepRun(0, 2100*ms, 80_000, 1)
	if idx, _, _ := w.rec.LastSecond(); idx != 1 {
		t.Errorf("after the first run of second 2, into an empty buffer: LastSecond = second %d, want 1", idx)
	}
}
