package report

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Schema names the version of the JSON result document written by [WriteJSON].
const Schema = "gigadex.run/v1"

// Settings shared by every histogram in this package. Values are nanoseconds;
// a histogram tracks 1 ns to 60 s with 3 significant digits, so any value is
// reported within 0.1% of what was recorded.
const (
	LowestNs  = 1
	HighestNs = 60_000_000_000
	SigFigs   = 3
)

// NewHistogram returns an empty histogram with the package settings
// ([LowestNs], [HighestNs], [SigFigs]). It allocates about 220 KB.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(LowestNs, HighestNs, SigFigs)
}

// NewPackedHistogram returns an empty sparse histogram with the package
// settings, as [Interval] holds. It starts at about 200 bytes and grows
// with the number of distinct buckets recorded, 5 to 12 bytes each: one
// second of RTTs typically fills a few thousand of its 27,648 buckets.
func NewPackedHistogram() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(LowestNs, HighestNs, SigFigs)
}

// Env describes the machine and runtime a run was measured on.
type Env struct {
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Hostname   string `json:"hostname"`
}

// CurrentEnv returns the [Env] of the running process. Hostname is empty if
// the system does not report one.
func CurrentEnv() Env {
	host, _ := os.Hostname()
	return Env{
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Hostname:   host,
	}
}

// String formats e as "go1.26.8 GOMAXPROCS=2 CPUs=2 linux/amd64",
// followed by "host=NAME" when the hostname is known.
func (e Env) String() string {
	s := fmt.Sprintf("%s GOMAXPROCS=%d CPUs=%d %s/%s", e.GoVersion, e.GOMAXPROCS, e.NumCPU, e.OS, e.Arch)
	if e.Hostname != "" {
		s += " host=" + e.Hostname
	}
	return s
}

// ConnStats holds the counters of one connection over the measured window.
type ConnStats struct {
	Conn       int     // connection number, from 0
	Sent       int64   // messages sent
	Received   int64   // replies received
	Errors     int64   // failed sends, receives and mismatched replies
	MsgsPerSec float64 // replies received per second
	P99Ns      int64   // 99th percentile RTT in nanoseconds
}

// Interval holds the RTTs of one tagged stream over one interval, normally
// one second. Tag names the message type ("heartbeat", "order", "cancel").
// StartMs and EndMs are Unix times in milliseconds. Hist records
// nanoseconds with the package settings. It is sparse, so that a long run
// holds a few kilobytes per second rather than a dense 220 KB histogram;
// its MergeInto adds it to a dense histogram when one is needed.
type Interval struct {
	Tag     string
	StartMs int64
	EndMs   int64
	Hist    *hdrhistogram.PackedHistogram
}

// Run is the result of one ping or flood run: counters, RTT histograms and
// the settings it ran with. Counters and histograms cover the measured
// window only; warmup is counted separately.
//
// A Run holds two dense histograms (RTT and Uncorrected, about 220 KB each)
// and one sparse histogram per entry of Intervals, typically 1 to 20 KB.
type Run struct {
	Schema      string         // [Schema]
	Command     string         // "ping" or "flood"
	Addr        string         // address of the server
	Connections int            // number of connections
	Config      map[string]any // the run's settings, echoed as given

	Start   time.Time     // wall clock start of the measured window
	Elapsed time.Duration // length of the measured window, warmup excluded

	Sent, Received, Errors   int64 // messages sent, replies received, errors
	BytesSent, BytesReceived int64 // bytes written and read, framing included

	WarmupSent, WarmupReceived int64         // messages during warmup
	WarmupElapsed              time.Duration // length of the warmup

	TargetRate  float64 // intended messages per second across connections; 0 means closed loop
	Interrupted bool    // the run was stopped before its planned end

	// Outcomes that are not settings (Config holds only what was asked for).
	LateSends    int64         // rate mode: sends that left more than client.LateSend behind schedule
	MaxSendLag   time.Duration // rate mode: the worst lag of a send behind its schedule
	Reconnects   int64         // connections redialled after a failure (--reconnect)
	ReconnectGap time.Duration // time spent reconnecting, summed over connections

	// Thresholds holds the verdicts of [Run.ApplyThresholds], in the order
	// given; nil when no threshold was checked.
	Thresholds []ThresholdResult

	// RTT holds round-trip times in nanoseconds. In rate-limited mode they
	// are measured from the intended send time, which corrects for
	// coordinated omission.
	RTT *hdrhistogram.Histogram
	// Uncorrected is nil in closed-loop mode. In rate-limited mode it holds
	// RTTs in nanoseconds measured from the actual send time.
	Uncorrected *hdrhistogram.Histogram
	// Fill holds order-to-fill latencies in nanoseconds: from an Order's
	// send (its intended send time in rate-limited mode) to the first Trade
	// naming it. Nil when no order was tracked for fills (an echo peer).
	Fill *hdrhistogram.Histogram
	// Unsolicited counts, by message tag, the messages the peer sent that
	// answered nothing in flight (Trades, its own Heartbeats); nil or empty
	// when there was none.
	Unsolicited map[string]int64
	// HeartbeatGap sums up the gaps between the Heartbeats the peer sent
	// on its own, per connection; nil when it sent fewer than two on any.
	HeartbeatGap *GapSummary

	PerConn      []ConnStats       // one entry per connection
	Intervals    []Interval        // per-second RTTs of each tag, ordered by StartMs then Tag
	ErrorSamples []string          // the first few error messages
	Tags         map[string]string // user labels, from --tag k=v

	Env Env // where the run was measured

	// Generator says what the load generator itself cost during the
	// window; nil for a run read from a file that has no such section.
	Generator *Generator

	// Merged is nil for a measured run. For a run built by [Merge] it holds
	// the rates of the combined runs, which the rate methods report.
	Merged *Merged

	// FromHistograms is set for a run rebuilt from per-second histograms
	// by [FromIntervals] (an interval log, or one message type of a
	// result): it has RTTs but no send counts, bytes, errors or warmup,
	// which the tables print as "-" rather than as a false 0. Not saved.
	FromHistograms bool
	// Stream names the message type a run holds alone ([StreamOf]); ""
	// for all types together. Not saved.
	Stream string
}

// Merged describes a run built by [Merge] from several runs.
type Merged struct {
	Inputs       int     // number of runs combined
	MsgsPerSec   float64 // sum of the inputs' MsgsPerSec
	BytesPerSec  float64 // sum of the inputs' BytesPerSec
	AchievedRate float64 // sum of the inputs' AchievedRate
}

// NewRun returns a Run with the current [Schema], empty histograms and the
// current [Env].
func NewRun(command, addr string, connections int) *Run {
	return &Run{
		Schema:      Schema,
		Command:     command,
		Addr:        addr,
		Connections: connections,
		RTT:         NewHistogram(),
		Env:         CurrentEnv(),
	}
}

// MsgsPerSec returns replies received per second of the measured window,
// or 0 if the window is empty. For a merged run it returns
// Merged.MsgsPerSec.
func (r *Run) MsgsPerSec() float64 {
	if r.Merged != nil {
		return r.Merged.MsgsPerSec
	}
	return perSec(r.Received, r.Elapsed)
}

// BytesPerSec returns bytes received per second of the measured window,
// or 0 if the window is empty. For a merged run it returns
// Merged.BytesPerSec.
func (r *Run) BytesPerSec() float64 {
	if r.Merged != nil {
		return r.Merged.BytesPerSec
	}
	return perSec(r.BytesReceived, r.Elapsed)
}

// AchievedRate returns messages sent per second of the measured window, to
// set against TargetRate, or 0 if the window is empty. For a merged run it
// returns Merged.AchievedRate.
func (r *Run) AchievedRate() float64 {
	if r.Merged != nil {
		return r.Merged.AchievedRate
	}
	return perSec(r.Sent, r.Elapsed)
}

func perSec(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// clampNs brings v into the range every histogram of this package records,
// so that no value is silently dropped: negative values become 0 and values
// above HighestNs become HighestNs.
func clampNs(v int64) int64 {
	if v < 0 {
		return 0
	}
	if v > HighestNs {
		return HighestNs
	}
	return v
}
