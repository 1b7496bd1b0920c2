package capacity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
)

// stepRun is a synthetic step: sent messages over one second, with the
// corrected and uncorrected latencies given.
func stepRun(target float64, sent int64, rtt, unc *hdrhistogram.Histogram) *report.Run {
	r := report.NewRun("capacity", "peer", 1)
	r.TargetRate = target
	r.Elapsed = time.Second
	r.Sent, r.Received = sent, sent
	r.RTT, r.Uncorrected = rtt, unc
	return r
}

func TestClassify(t *testing.T) {
	slo, _ := ParseSLO("p99<50us,p99.9<200us")
	fast := func() *hdrhistogram.Histogram { return histOf(1000, 20_000) }
	slow := func() *hdrhistogram.Histogram { return histOf(1000, 500_000) }
	withErrors := stepRun(1000, 1000, fast(), fast())
	withErrors.Errors = 3
	withErrors.ErrorSamples = []string{"conn 0: reply to x was y"}
	interrupted := stepRun(1000, 1000, fast(), fast())
	interrupted.Interrupted = true
	tests := []struct {
		name       string
		run        *report.Run
		err        error
		want       Outcome
		wantFailed []string
		noteHas    string
	}{
		{"pass", stepRun(1000, 1000, fast(), fast()), nil, Pass, nil, ""},
		{"peer breaks the SLO", stepRun(1000, 1000, slow(), slow()), nil, FailSLO, []string{"p99<50us", "p99.9<200us"}, ""},
		{"peer breaks it and the generator is short too", stepRun(1000, 500, slow(), slow()), nil, FailSLO, []string{"p99<50us", "p99.9<200us"}, ""},
		{"generator short of the target", stepRun(1000, 900, fast(), fast()), nil, GeneratorLimit, nil, "sent 900.0 of the target 1.0 k msgs/s (90%)"},
		{"late replies stretch the run, not the sending", stretched(stepRun(1000, 1000, fast(), fast()), 1300*time.Millisecond), nil, Pass, nil, ""},
		{"95% of the target is enough", stepRun(1000, 950, fast(), fast()), nil, Pass, nil, ""},
		{"send lag breaks the SLO, the peer does not", lagged(stepRun(1000, 1000, slow(), fast()), time.Millisecond), nil, GeneratorLimit, []string{"p99<50us", "p99.9<200us"}, "behind schedule by up to 1.000 ms, more than p99<50us"},
		{"small lag on a peer at its bound is the peer", lagged(stepRun(1000, 1000, slow(), fast()), 40*time.Microsecond), nil, FailSLO, []string{"p99<50us", "p99.9<200us"}, ""},
		{"errors", withErrors, nil, FailErrors, []string{"errors"}, "reply to x was y"},
		{"connection failure", stepRun(1000, 1000, fast(), fast()), errors.New("client: connection failed: reset"), FailErrors, []string{"errors"}, "reset"},
		{"the generator never left the warmup", warmupOnly(stepRun(1000, 0, report.NewHistogram(), report.NewHistogram()), 300), nil, GeneratorLimit, nil, "too few to get past the warmup"},
		{"nothing measured", stepRun(1000, 0, report.NewHistogram(), report.NewHistogram()), nil, FailErrors, []string{"errors"}, "no reply"},
		{"no run", nil, errors.New("dial: refused"), FailErrors, []string{"errors"}, "refused"},
		{"interrupted", interrupted, nil, Incomplete, nil, ""},
		{"closed loop histogram only", stepRun(1000, 1000, fast(), nil), nil, Pass, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, failed, note := classify(tt.run, tt.err, 1000, time.Second, slo)
			if o != tt.want {
				t.Errorf("outcome %v, want %v (note %q)", o, tt.want, note)
			}
			if strings.Join(failed, ",") != strings.Join(tt.wantFailed, ",") {
				t.Errorf("failed %v, want %v", failed, tt.wantFailed)
			}
			if !strings.Contains(note, tt.noteHas) {
				t.Errorf("note %q lacks %q", note, tt.noteHas)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{412e3, "412.0 k"}, {950, "950.0"}, {1.25e6, "1.2 M"}, {3e9, "3.0 G"}, {0, "0.0"}} {
		if got := FormatRate(c.v); got != c.want {
			t.Errorf("FormatRate(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{850, "850.0 ns"}, {41200, "41.20 µs"}, {3_250_000, "3.250 ms"}, {1500 * time.Millisecond, "1.500 s"}} {
		if got := FormatLatency(c.d); got != c.want {
			t.Errorf("FormatLatency(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func lagged(r *report.Run, lag time.Duration) *report.Run {
	r.MaxSendLag = lag
	r.LateSends = 1
	return r
}

// warmupOnly makes r a step whose n sends, in 2 s, all fell in the warmup.
func warmupOnly(r *report.Run, n int64) *report.Run {
	r.Sent, r.Received = 0, 0
	r.WarmupSent, r.WarmupReceived = n, n
	r.WarmupElapsed = time.Second
	return r
}

func stretched(r *report.Run, d time.Duration) *report.Run {
	r.Elapsed = d
	return r
}
