package client

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/report"
)

// gcReading is the garbage collector's totals at one moment.
type gcReading struct {
	cycles int64
	pause  time.Duration
}

// readGC reads the collector's totals without stopping the world (unlike
// runtime.ReadMemStats). It allocates, so it runs at the edges of the
// measured window only.
func readGC() gcReading {
	var s debug.GCStats
	debug.ReadGCStats(&s)
	return gcReading{cycles: s.NumGC, pause: s.PauseTotal}
}

// clockReadCost measures what one reading of the monotonic clock, as the
// drivers take it, costs on this machine.
func clockReadCost() float64 {
	const n = 10000
	start := time.Now()
	var sink time.Duration
	for range n {
		sink += time.Since(start)
	}
	el := time.Since(start)
	if sink < 0 {
		return 0
	}
	return float64(el) / n
}

// generatorReport builds the result's generator section: the I/O mode,
// where the generator ran, what the collector took during the window, and
// in rate mode the send lag distribution (lag is nil in closed loop).
func generatorReport(mode string, atStart, atEnd gcReading, lag *hdrhistogram.PackedHistogram) *report.Generator {
	g := &report.Generator{
		IOMode:      mode,
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		CPUAffinity: sock.CPUAffinity(),
		GCCycles:    atEnd.cycles - atStart.cycles,
		GCPauseNs:   int64(atEnd.pause - atStart.pause),
		ClockReadNs: clockReadCost(),
	}
	if lag != nil && lag.TotalCount() > 0 {
		g.SendLag = &report.SendLag{
			P50:   lag.ValueAtPercentile(50),
			P99:   lag.ValueAtPercentile(99),
			Max:   lag.Max(),
			Count: lag.TotalCount(),
		}
	}
	return g
}

// ioMode names how c waits for data: "poller", "blocking" or "busy-poll".
func (c *Conn) ioMode() string { return c.Receiver.io.Mode().String() }
