package capacity

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gigadex/gigadex/report"
)

type jsonResult struct {
	Schema      string            `json:"schema"`
	Addr        string            `json:"addr"`
	Connections int               `json:"connections"`
	Tags        map[string]string `json:"tags,omitempty"`
	Config      map[string]any    `json:"config"`
	SLO         []string          `json:"slo"`
	Start       string            `json:"start"`
	DurationS   float64           `json:"duration_s"`
	Interrupted bool              `json:"interrupted"`
	Steps       []jsonStep        `json:"steps"`
	Verdict     jsonVerdict       `json:"verdict"`
	Generator   jsonGenerator     `json:"generator"`
	Env         report.Env        `json:"env"`
}

type jsonStep struct {
	Step                 int             `json:"step"`
	TargetRate           float64         `json:"target_rate"`
	AchievedRate         float64         `json:"achieved_rate"`
	MsgsPerSec           float64         `json:"msgs_per_sec"`
	Window               int             `json:"window"`
	LengthS              float64         `json:"length_s"`
	Start                string          `json:"start"`
	DurationS            float64         `json:"duration_s"`
	Sent                 int64           `json:"sent"`
	Received             int64           `json:"received"`
	Errors               int64           `json:"errors"`
	LateSends            int64           `json:"late_sends"`
	MaxSendLagMs         float64         `json:"max_send_lag_ms"`
	Outcome              string          `json:"outcome"`
	Pass                 bool            `json:"pass"`
	Failed               []string        `json:"failed"`
	Note                 string          `json:"note,omitempty"`
	Latency              report.Summary  `json:"latency_ns"`
	UncorrectedLatency   *report.Summary `json:"uncorrected_latency_ns,omitempty"`
	Histogram            string          `json:"histogram"`
	UncorrectedHistogram string          `json:"uncorrected_histogram,omitempty"`
	ErrorSamples         []string        `json:"error_samples"`
}

type jsonVerdict struct {
	CapacityMsgsPerSec float64          `json:"capacity_msgs_per_sec"`
	FailedAtMsgsPerSec float64          `json:"failed_at_msgs_per_sec"`
	Stop               string           `json:"stop"`
	Step               int              `json:"step,omitempty"`
	LatencyNs          map[string]int64 `json:"latency_ns,omitempty"`
	Line               string           `json:"line"`
}

// jsonGenerator is the generator over the search: whether it was the
// limit, figures over all steps, and (embedded) what it cost, as in a
// result's "generator".
type jsonGenerator struct {
	Limited         bool    `json:"limited"`
	Advice          string  `json:"advice,omitempty"`
	Connections     int     `json:"connections"`
	MaxAchievedRate float64 `json:"max_achieved_rate"`
	LateSends       int64   `json:"late_sends"`
	MaxSendLagMs    float64 `json:"max_send_lag_ms"`
	report.Generator
}

// WriteJSON writes r to w as one indented JSON document of schema
// [Schema]: the settings, the SLO, every step (target and achieved rate,
// counters, outcome, the SLO terms it failed, latency percentiles and its
// histograms), the verdict and the generator. Latencies are in
// nanoseconds, durations in seconds, rates in msgs/s. Histograms are in the
// HdrHistogram V2 compressed base64 encoding, as in "gigadex.run/v1".
func WriteJSON(w io.Writer, r *Result) error {
	doc := jsonResult{
		Schema:      Schema,
		Addr:        r.Addr,
		Connections: r.Connections,
		Tags:        r.Tags,
		Config:      r.Config,
		SLO:         make([]string, len(r.SLO)),
		Start:       r.Start.Format(time.RFC3339Nano),
		DurationS:   r.Elapsed.Seconds(),
		Interrupted: r.Interrupted,
		Steps:       make([]jsonStep, 0, len(r.Steps)),
		Verdict: jsonVerdict{
			CapacityMsgsPerSec: r.Capacity,
			FailedAtMsgsPerSec: r.Bound,
			Stop:               r.Stop.String(),
			Line:               r.Line(),
		},
		Generator: jsonGenerator{
			Connections:     r.Connections,
			MaxAchievedRate: r.MaxAchieved(),
			LateSends:       r.LateSends(),
			MaxSendLagMs:    float64(r.MaxSendLag()) / 1e6,
			Generator:       r.Generator,
		},
		Env: r.Env,
	}
	doc.Generator.Limited, doc.Generator.Advice = r.GeneratorLimited()
	if doc.Config == nil {
		doc.Config = map[string]any{}
	}
	for i, t := range r.SLO {
		doc.SLO[i] = t.Expr
	}
	if b := r.Best(); b != nil {
		doc.Verdict.Step = b.Index
		doc.Verdict.LatencyNs = map[string]int64{}
		for _, t := range r.SLO {
			doc.Verdict.LatencyNs[t.Threshold.Metric] = int64(b.Latency(t.Threshold.Metric))
		}
	}
	for i := range r.Steps {
		js, err := stepJSON(&r.Steps[i])
		if err != nil {
			return err
		}
		doc.Steps = append(doc.Steps, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "p99<50us", not "p99\u003c50us"
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("capacity: write json: %w", err)
	}
	return nil
}

func stepJSON(s *Step) (jsonStep, error) {
	js := jsonStep{
		Step:       s.Index,
		TargetRate: s.Target,
		Window:     s.Window,
		LengthS:    s.Length.Seconds(),
		Outcome:    s.Outcome.String(),
		Pass:       s.Outcome == Pass,
		Failed:     s.Failed,
		Note:       s.Note,
	}
	if js.Failed == nil {
		js.Failed = []string{}
	}
	r := s.Run
	if r == nil {
		r = report.NewRun("capacity", "", 0)
	}
	js.AchievedRate = s.Achieved()
	js.MsgsPerSec = r.MsgsPerSec()
	js.Start = r.Start.Format(time.RFC3339Nano)
	js.DurationS = r.Elapsed.Seconds()
	js.Sent, js.Received, js.Errors = r.Sent, r.Received, r.Errors
	js.LateSends = r.LateSends
	js.MaxSendLagMs = float64(r.MaxSendLag) / 1e6
	js.ErrorSamples = r.ErrorSamples
	if js.ErrorSamples == nil {
		js.ErrorSamples = []string{}
	}
	js.Latency = report.Summarize(r.RTT)
	var err error
	if js.Histogram, err = report.EncodeHistogram(r.RTT); err != nil {
		return js, fmt.Errorf("capacity: write json: step %d: %w", s.Index, err)
	}
	if r.Uncorrected != nil {
		u := report.Summarize(r.Uncorrected)
		js.UncorrectedLatency = &u
		if js.UncorrectedHistogram, err = report.EncodeHistogram(r.Uncorrected); err != nil {
			return js, fmt.Errorf("capacity: write json: step %d: %w", s.Index, err)
		}
	}
	return js, nil
}

// ReadJSON reads a document written by [WriteJSON]. Steps come back with
// their counters, histograms and outcomes; each step's Run holds no
// per-second intervals. It fails on a document of another schema.
func ReadJSON(rd io.Reader) (*Result, error) {
	var doc jsonResult
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("capacity: read json: %w", err)
	}
	if doc.Schema != Schema {
		return nil, fmt.Errorf("capacity: read json: schema %q, want %q", doc.Schema, Schema)
	}
	slo, err := ParseSLO(joinTerms(doc.SLO))
	if err != nil {
		return nil, fmt.Errorf("capacity: read json: %w", err)
	}
	r := &Result{
		Schema:      doc.Schema,
		Addr:        doc.Addr,
		Connections: doc.Connections,
		Tags:        doc.Tags,
		Config:      doc.Config,
		SLO:         slo,
		Elapsed:     report.Seconds(doc.DurationS),
		Interrupted: doc.Interrupted,
		Capacity:    doc.Verdict.CapacityMsgsPerSec,
		Bound:       doc.Verdict.FailedAtMsgsPerSec,
		Generator:   doc.Generator.Generator,
		Env:         doc.Env,
	}
	if r.Stop, err = parseStop(doc.Verdict.Stop); err != nil {
		return nil, fmt.Errorf("capacity: read json: verdict: %w", err)
	}
	if r.Start, err = time.Parse(time.RFC3339Nano, doc.Start); err != nil {
		return nil, fmt.Errorf("capacity: read json: start: %w", err)
	}
	for i, js := range doc.Steps {
		s, err := stepFromJSON(js, doc)
		if err != nil {
			return nil, fmt.Errorf("capacity: read json: steps[%d]: %w", i, err)
		}
		r.Steps = append(r.Steps, s)
	}
	return r, nil
}

func stepFromJSON(js jsonStep, doc jsonResult) (Step, error) {
	s := Step{Index: js.Step, Target: js.TargetRate, Length: report.Seconds(js.LengthS), Window: js.Window, Failed: js.Failed, Note: js.Note}
	if len(s.Failed) == 0 {
		s.Failed = nil
	}
	var err error
	if s.Outcome, err = parseOutcome(js.Outcome); err != nil {
		return s, err
	}
	run := &report.Run{
		Schema:       report.Schema,
		Command:      "capacity",
		Addr:         doc.Addr,
		Connections:  doc.Connections,
		Elapsed:      report.Seconds(js.DurationS),
		Sent:         js.Sent,
		Received:     js.Received,
		Errors:       js.Errors,
		TargetRate:   js.TargetRate,
		LateSends:    js.LateSends,
		MaxSendLag:   report.Milliseconds(js.MaxSendLagMs),
		ErrorSamples: js.ErrorSamples,
		Env:          doc.Env,
	}
	if run.Start, err = time.Parse(time.RFC3339Nano, js.Start); err != nil {
		return s, fmt.Errorf("start: %w", err)
	}
	if run.RTT, err = report.DecodeHistogram(js.Histogram); err != nil {
		return s, err
	}
	if js.UncorrectedHistogram != "" {
		if run.Uncorrected, err = report.DecodeHistogram(js.UncorrectedHistogram); err != nil {
			return s, err
		}
	}
	s.Run = run
	return s, nil
}

func joinTerms(terms []string) string { return strings.Join(terms, ",") }
