package capacity

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/report"
)

// Schema names the version of the JSON document written by [WriteJSON].
const Schema = "gigadex.capacity/v1"

// Step is one run at one target rate.
type Step struct {
	Index  int           // 1 for the first step
	Target float64       // target rate, msgs/s across connections
	Length time.Duration // the planned measured window
	Window int           // messages in flight allowed per connection
	// Run is what the step measured: RTT (corrected for coordinated
	// omission) and Uncorrected histograms, counters, send lag.
	Run     *report.Run
	Outcome Outcome
	// Failed lists the SLO terms the step's latency broke ("p99<50us"), or
	// "errors"; empty when it passed.
	Failed []string
	// Note explains a failure or a generator limit, for people.
	Note string
}

// Achieved returns the rate the step actually sent, msgs/s: the messages
// sent in the measured window over its planned length, or over the
// window that ran when it was cut short (an interrupt). (Run.AchievedRate
// divides by the time from the first send to the last reply, which the
// latency at the end of a short window stretches.)
func (s *Step) Achieved() float64 {
	return achieved(s.Run, s.Length)
}

func achieved(run *report.Run, length time.Duration) float64 {
	switch {
	case run == nil:
		return 0
	case length <= 0:
		return run.AchievedRate()
	case run.Interrupted && run.Elapsed > 0 && run.Elapsed < length:
		// Cut short by an interrupt: the window that ran.
		length = run.Elapsed
	}
	return float64(run.Sent) / length.Seconds()
}

// Latency returns metric (any percentile such as p99.999, max or mean) of the
// step's RTT, corrected for coordinated omission; 0 if nothing was measured.
func (s *Step) Latency(metric string) time.Duration {
	if s.Run == nil {
		return 0
	}
	return time.Duration(metricValue(s.Run.RTT, metric))
}

// Result is the outcome of [Measure]: every step and the verdict.
type Result struct {
	Schema      string // [Schema]
	Addr        string // the peer
	Connections int    // connections per step
	// Tags label the result (agent=a1), as a run's do.
	Tags    map[string]string
	Config  map[string]any // the settings, echoed as given
	SLO     SLO
	Start   time.Time     // wall clock start of the first step
	Elapsed time.Duration // the whole search

	Steps []Step
	// Capacity is the highest target rate that passed, msgs/s; 0 when none
	// did.
	Capacity float64
	// Bound is the lowest target rate that failed, msgs/s; 0 when none did.
	Bound       float64
	Stop        Stop
	Interrupted bool

	// Generator says what the load generator cost over the search: the
	// settings of the last measured step, the garbage collections of all
	// steps summed, and the send lag of the step whose lag p99 was worst.
	// Whether it was the limit is [Result.GeneratorLimited].
	Generator report.Generator
	Env       report.Env
}

// GeneratorLimited reports whether a step showed the generator, not the
// peer, as the limit, and if so what to change.
func (r *Result) GeneratorLimited() (limited bool, advice string) {
	for i := range r.Steps {
		if s := &r.Steps[i]; s.Outcome == GeneratorLimit {
			limited, advice = true, adviceFor(s, r.Connections)
		}
	}
	return limited, advice
}

// MaxAchieved returns the highest rate any step sent, msgs/s.
func (r *Result) MaxAchieved() float64 {
	m := 0.0
	for i := range r.Steps {
		m = max(m, r.Steps[i].Achieved())
	}
	return m
}

// LateSends returns the sends of all steps that left more than
// [report.LateSend] behind their schedule.
func (r *Result) LateSends() int64 {
	var n int64
	for _, s := range r.Steps {
		if s.Run != nil {
			n += s.Run.LateSends
		}
	}
	return n
}

// MaxSendLag returns the worst lag of a send behind its schedule, over
// all steps.
func (r *Result) MaxSendLag() time.Duration {
	var m time.Duration
	for _, s := range r.Steps {
		if s.Run != nil {
			m = max(m, s.Run.MaxSendLag)
		}
	}
	return m
}

// Best returns the step that passed at Capacity, or nil.
func (r *Result) Best() *Step {
	if r.Capacity <= 0 {
		return nil
	}
	for i := range r.Steps {
		s := &r.Steps[i]
		if s.Outcome == Pass && s.Target == r.Capacity {
			return s
		}
	}
	return nil
}

// RunAtCapacity returns what the step at Capacity measured, as a result
// of command "capacity" with the search's settings in its Config, so that
// two searches can be compared by the figures at their capacity (its
// msgs_per_sec is the capacity the peer sustained). It returns nil when no
// step passed. The Run is shared with the step; its Config is a copy.
func (r *Result) RunAtCapacity() *report.Run {
	b := r.Best()
	if b == nil || b.Run == nil {
		return nil
	}
	run := *b.Run
	run.Command = "capacity"
	run.Config = maps.Clone(r.Config)
	if run.Config == nil {
		run.Config = map[string]any{}
	}
	run.Config["slo"] = r.SLO.String()
	return &run
}

// Line returns the verdict, one line that starts with "capacity: ", such as
// "capacity: 412.0 k msgs/s at p99 41.20 µs (SLO p99<50us, p99.9<200us)".
func (r *Result) Line() string {
	slo := "SLO " + r.SLO.String()
	at := ""
	if b := r.Best(); b != nil && len(r.SLO) > 0 {
		m := r.SLO[0].Threshold.Metric
		at = fmt.Sprintf(" at %s %s", m, FormatLatency(b.Latency(m)))
	}
	best := FormatRate(r.Capacity) + " msgs/s" + at
	switch r.Stop {
	case Converged:
		return fmt.Sprintf("capacity: %s (%s)", best, slo)
	case ReachedMax:
		return fmt.Sprintf("capacity: %s (%s); the maximum rate passed: the peer may take more", best, slo)
	case BelowStart:
		if low := r.lowestRate(); low < r.startRate() {
			return fmt.Sprintf("capacity: below %s msgs/s: the SLO fails even at the lowest rate tried, from the start rate %s down (%s)", FormatRate(low), FormatRate(r.startRate()), slo)
		}
		return fmt.Sprintf("capacity: below %s msgs/s: the SLO already fails at the start rate (%s)", FormatRate(r.startRate()), slo)
	case ErrorsAtStart:
		return fmt.Sprintf("capacity: none measured: errors at the start rate %s msgs/s (%s)", FormatRate(r.startRate()), slo)
	case GeneratorLimited:
		if r.Capacity <= 0 {
			return fmt.Sprintf("capacity: not measured: the load generator could not offer the start rate %s msgs/s (%s)", FormatRate(r.startRate()), slo)
		}
		return fmt.Sprintf("capacity: at least %s (%s); the load generator, not the peer, is the limit", best, slo)
	case Interrupted:
		if r.Capacity <= 0 {
			return fmt.Sprintf("capacity: interrupted before any rate passed (%s)", slo)
		}
		return fmt.Sprintf("capacity: interrupted; best passing rate so far %s (%s)", best, slo)
	}
	return fmt.Sprintf("capacity: search not finished; best passing rate so far %s (%s)", best, slo)
}

// lowestRate is the lowest target rate of a step, msgs/s.
func (r *Result) lowestRate() float64 {
	low := r.startRate()
	for i := range r.Steps {
		low = min(low, r.Steps[i].Target)
	}
	return low
}

func (r *Result) startRate() float64 {
	if len(r.Steps) > 0 {
		return r.Steps[0].Target
	}
	return 0
}

// FormatRate formats a rate with an SI prefix and one decimal: "412.0 k",
// "1.2 M", "950.0".
func FormatRate(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return fmt.Sprintf("%.1f G", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1f M", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.1f k", v/1e3)
	}
	return fmt.Sprintf("%.1f", v)
}

// FormatLatency formats a latency in the unit that fits, as every table
// and line of gigadex does ([report.FormatLatency]): "850.0 ns",
// "41.20 µs", "3.250 ms", "1.500 s".
func FormatLatency(d time.Duration) string { return report.FormatLatency(d) }

// classify decides the outcome of a step from what it measured: run and
// err as [client.Run] returned them at the target rate.
// length is the step's planned measured window.
func classify(run *report.Run, err error, target float64, length time.Duration, slo SLO) (Outcome, []string, string) {
	switch {
	case run == nil:
		return FailErrors, []string{"errors"}, fmt.Sprint(err)
	case run.Interrupted:
		return Incomplete, nil, "interrupted"
	case err != nil && !errors.Is(err, client.ErrNothingMeasured) || run.Errors > 0:
		note := fmt.Sprintf("%d errors", run.Errors)
		if err != nil {
			note = err.Error()
		} else if len(run.ErrorSamples) > 0 {
			note += ": " + run.ErrorSamples[0]
		}
		return FailErrors, []string{"errors"}, note
	case run.RTT == nil || run.RTT.TotalCount() == 0:
		// Warmup is decided by each message's scheduled send time: a
		// generator far behind its schedule may never leave the warmup.
		whole := (run.Elapsed + run.WarmupElapsed).Seconds()
		if sent := run.Sent + run.WarmupSent; sent > 0 && whole > 0 && report.Short(float64(sent)/whole, target) {
			return GeneratorLimit, nil, fmt.Sprintf("sent %s of the target %s msgs/s over the whole step (%.0f%%), too few to get past the warmup's schedule",
				FormatRate(float64(sent)/whole), FormatRate(target), 100*float64(sent)/whole/target)
		}
		return FailErrors, []string{"errors"}, "no reply was measured"
	}
	failed := slo.Failed(run.RTT)
	peer := run.Uncorrected
	if peer == nil {
		peer = run.RTT
	}
	peerOK := len(slo.Failed(peer)) == 0
	achieved := achieved(run, length)
	short := report.Short(achieved, target)
	switch {
	case len(failed) == 0 && !short:
		return Pass, nil, ""
	case peerOK && short:
		return GeneratorLimit, failed, fmt.Sprintf("sent %s of the target %s msgs/s (%.0f%%), while the peer's own latency met the SLO",
			FormatRate(achieved), FormatRate(target), 100*achieved/target)
	case peerOK:
		// The latency from the schedule broke the SLO, the latency from
		// the actual send did not: the difference is the send lag. Blame
		// the generator when its worst lag alone exceeds a broken bound.
		for _, t := range slo {
			if !t.Holds(run.RTT) && float64(run.MaxSendLag) > t.Threshold.Value {
				m := t.Threshold.Metric
				return GeneratorLimit, failed, fmt.Sprintf("sends fell behind schedule by up to %s, more than %s: %s %s from the schedule, %s from the actual send, "+
					"while the peer's own latency met the SLO", FormatLatency(run.MaxSendLag), t.Expr, m,
					FormatLatency(time.Duration(metricValue(run.RTT, m))), FormatLatency(time.Duration(metricValue(peer, m))))
			}
		}
	}
	return FailSLO, failed, ""
}

// adviceFor says what to change when the generator is the limit.
func adviceFor(s *Step, conns int) string {
	return fmt.Sprintf("the load generator could not offer %s msgs/s (%s): "+
		"use more connections (now %d), a larger window (now %d), a less loaded machine, "+
		"or several generator machines (agents) whose results are merged",
		FormatRate(s.Target), s.Note, conns, s.Window)
}
