package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// jsonRun is the JSON form of a Run. Derived figures (rates, percentiles,
// spread) are written for readers of the file and ignored by ReadJSON, which
// rebuilds them from the counters and histograms (and, for a merged run,
// from "merged").
type jsonRun struct {
	Schema               string            `json:"schema"`
	Command              string            `json:"command"`
	Addr                 string            `json:"addr"`
	Connections          int               `json:"connections"`
	Config               map[string]any    `json:"config"`
	Start                string            `json:"start"`
	Sent                 int64             `json:"sent"`
	Received             int64             `json:"received"`
	Errors               int64             `json:"errors"`
	BytesSent            int64             `json:"bytes_sent"`
	BytesReceived        int64             `json:"bytes_received"`
	DurationS            float64           `json:"duration_s"`
	MsgsPerSec           float64           `json:"msgs_per_sec"`
	BytesPerSec          float64           `json:"bytes_per_sec"`
	TargetRate           float64           `json:"target_rate"`
	AchievedRate         float64           `json:"achieved_rate"`
	Interrupted          bool              `json:"interrupted"`
	LateSends            int64             `json:"late_sends"`
	MaxSendLagMs         float64           `json:"max_send_lag_ms"`
	Reconnects           int64             `json:"reconnects"`
	ReconnectGapS        float64           `json:"reconnect_gap_s"`
	Thresholds           []jsonThreshold   `json:"thresholds,omitempty"`
	Warmup               jsonWarmup        `json:"warmup"`
	Latency              Summary           `json:"latency_ns"`
	UncorrectedLatency   *Summary          `json:"uncorrected_latency_ns,omitempty"`
	Histogram            string            `json:"histogram"`
	UncorrectedHistogram string            `json:"uncorrected_histogram,omitempty"`
	FillLatency          *Summary          `json:"fill_latency_ns,omitempty"`
	FillHistogram        string            `json:"fill_histogram,omitempty"`
	Unsolicited          map[string]int64  `json:"unsolicited"`
	HeartbeatGap         *GapSummary       `json:"heartbeat_gap_ns,omitempty"`
	PerConnection        []jsonConn        `json:"per_connection"`
	Spread               *jsonSpread       `json:"spread,omitempty"`
	Intervals            []jsonInterval    `json:"intervals"`
	ErrorSamples         []string          `json:"error_samples"`
	Tags                 map[string]string `json:"tags"`
	Env                  Env               `json:"env"`
	Generator            *Generator        `json:"generator,omitempty"`
	Merged               *jsonMerged       `json:"merged,omitempty"`
}

type jsonMerged struct {
	Inputs       int     `json:"inputs"`
	MsgsPerSec   float64 `json:"msgs_per_sec"`
	BytesPerSec  float64 `json:"bytes_per_sec"`
	AchievedRate float64 `json:"achieved_rate"`
}

// jsonThreshold is one verdict of --threshold. ValueNs is the measured
// value in nanoseconds for latency metrics; Value holds it for the others.
type jsonThreshold struct {
	Expr    string   `json:"expr"`
	ValueNs *int64   `json:"value_ns,omitempty"`
	Value   *float64 `json:"value,omitempty"`
	Pass    bool     `json:"pass"`
}

type jsonWarmup struct {
	Sent      int64   `json:"sent"`
	Received  int64   `json:"received"`
	DurationS float64 `json:"duration_s"`
}

type jsonConn struct {
	Conn       int     `json:"conn"`
	Sent       int64   `json:"sent"`
	Received   int64   `json:"received"`
	Errors     int64   `json:"errors"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	P99Ns      int64   `json:"p99_ns"`
}

type jsonSpread struct {
	MsgsPerSec jsonRange `json:"msgs_per_sec"`
	P99Ns      jsonRange `json:"p99_ns"`
}

type jsonRange struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

type jsonInterval struct {
	Tag       string `json:"tag"`
	StartMs   int64  `json:"start_ms"`
	EndMs     int64  `json:"end_ms"`
	Histogram string `json:"histogram"`
}

// WriteJSON writes r to w as one indented JSON document of schema [Schema].
// Latencies are in nanoseconds, durations in seconds, rates per second.
// A merged run also has "merged": {inputs, msgs_per_sec, bytes_per_sec,
// achieved_rate}.
// Histograms are in the HdrHistogram V2 compressed base64 encoding, which
// [ReadJSON] and HdrHistogram's own tools decode.
func WriteJSON(w io.Writer, r *Run) error {
	doc, err := toJSON(r)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

func toJSON(r *Run) (*jsonRun, error) {
	doc := &jsonRun{
		Schema:        r.Schema,
		Command:       r.Command,
		Addr:          r.Addr,
		Connections:   r.Connections,
		Config:        r.Config,
		Start:         r.Start.Format(time.RFC3339Nano),
		Sent:          r.Sent,
		Received:      r.Received,
		Errors:        r.Errors,
		BytesSent:     r.BytesSent,
		BytesReceived: r.BytesReceived,
		DurationS:     r.Elapsed.Seconds(),
		MsgsPerSec:    r.MsgsPerSec(),
		BytesPerSec:   r.BytesPerSec(),
		TargetRate:    r.TargetRate,
		AchievedRate:  r.AchievedRate(),
		Interrupted:   r.Interrupted,
		LateSends:     r.LateSends,
		MaxSendLagMs:  float64(r.MaxSendLag) / 1e6,
		Reconnects:    r.Reconnects,
		ReconnectGapS: r.ReconnectGap.Seconds(),
		Warmup:        jsonWarmup{Sent: r.WarmupSent, Received: r.WarmupReceived, DurationS: r.WarmupElapsed.Seconds()},
		Latency:       Summarize(r.RTT),
		PerConnection: make([]jsonConn, 0, len(r.PerConn)),
		Intervals:     make([]jsonInterval, 0, len(r.Intervals)),
		ErrorSamples:  r.ErrorSamples,
		Tags:          r.Tags,
		Env:           r.Env,
		Generator:     r.Generator,
		Unsolicited:   r.Unsolicited,
		HeartbeatGap:  r.HeartbeatGap,
	}
	if doc.Unsolicited == nil {
		doc.Unsolicited = map[string]int64{}
	}
	if doc.Schema == "" {
		doc.Schema = Schema
	}
	if r.Merged != nil {
		m := jsonMerged(*r.Merged)
		doc.Merged = &m
	}
	if doc.Config == nil {
		doc.Config = map[string]any{}
	}
	if doc.ErrorSamples == nil {
		doc.ErrorSamples = []string{}
	}
	if doc.Tags == nil {
		doc.Tags = map[string]string{}
	}
	var err error
	if doc.Histogram, err = encodeHist(r.RTT); err != nil {
		return nil, err
	}
	if r.Uncorrected != nil {
		u := Summarize(r.Uncorrected)
		doc.UncorrectedLatency = &u
		if doc.UncorrectedHistogram, err = encodeHist(r.Uncorrected); err != nil {
			return nil, err
		}
	}
	if r.Fill != nil {
		f := Summarize(r.Fill)
		doc.FillLatency = &f
		if doc.FillHistogram, err = encodeHist(r.Fill); err != nil {
			return nil, err
		}
	}
	for _, t := range r.Thresholds {
		jt := jsonThreshold{Expr: t.Expr, Pass: t.Pass}
		if t.Latency {
			ns := int64(math.Round(t.Value))
			jt.ValueNs = &ns
		} else {
			v := t.Value
			jt.Value = &v
		}
		doc.Thresholds = append(doc.Thresholds, jt)
	}
	for _, c := range r.PerConn {
		doc.PerConnection = append(doc.PerConnection, jsonConn(c))
	}
	if s, ok := spreadOf(r.PerConn); ok {
		doc.Spread = &jsonSpread{
			MsgsPerSec: jsonRange{s.MinMsgsPerSec, s.MaxMsgsPerSec},
			P99Ns:      jsonRange{float64(s.MinP99), float64(s.MaxP99)},
		}
	}
	for _, iv := range r.Intervals {
		h, err := encodePacked(iv.Hist)
		if err != nil {
			return nil, err
		}
		doc.Intervals = append(doc.Intervals, jsonInterval{Tag: iv.Tag, StartMs: iv.StartMs, EndMs: iv.EndMs, Histogram: h})
	}
	return doc, nil
}

// ReadJSON reads a document written by [WriteJSON]. Counters, settings and
// histograms come back exactly; JSON numbers in Config come back as float64.
// It fails on a document of another schema.
func ReadJSON(rd io.Reader) (*Run, error) {
	var doc jsonRun
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Name the field and what it held, not the Go types.
			what := "the document"
			if te.Field != "" {
				what = "field " + strconv.Quote(te.Field)
			}
			return nil, fmt.Errorf("report: read json: %s is a JSON %s (at byte %d): not a gigadex result", what, te.Value, te.Offset)
		}
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	if doc.Schema != Schema {
		return nil, fmt.Errorf("report: read json: schema %q, want %q", doc.Schema, Schema)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("report: read json: data after the result (at byte %d): one result per file", dec.InputOffset())
	}
	if err := doc.checkCounts(); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	r := &Run{
		Schema:         doc.Schema,
		Command:        doc.Command,
		Addr:           doc.Addr,
		Connections:    doc.Connections,
		Config:         doc.Config,
		Sent:           doc.Sent,
		Received:       doc.Received,
		Errors:         doc.Errors,
		BytesSent:      doc.BytesSent,
		BytesReceived:  doc.BytesReceived,
		Elapsed:        Seconds(doc.DurationS),
		WarmupSent:     doc.Warmup.Sent,
		WarmupReceived: doc.Warmup.Received,
		WarmupElapsed:  Seconds(doc.Warmup.DurationS),
		TargetRate:     doc.TargetRate,
		Interrupted:    doc.Interrupted,
		LateSends:      doc.LateSends,
		MaxSendLag:     Milliseconds(doc.MaxSendLagMs),
		Reconnects:     doc.Reconnects,
		ReconnectGap:   Seconds(doc.ReconnectGapS),
		ErrorSamples:   doc.ErrorSamples,
		Tags:           doc.Tags,
		Env:            doc.Env,
		Generator:      doc.Generator,
		HeartbeatGap:   doc.HeartbeatGap,
	}
	if len(doc.Unsolicited) > 0 {
		r.Unsolicited = doc.Unsolicited
	}
	if doc.Merged != nil {
		m := Merged(*doc.Merged)
		r.Merged = &m
	}
	outcomesFromConfig(r)
	for _, t := range doc.Thresholds {
		tr := ThresholdResult{Expr: t.Expr, Pass: t.Pass}
		if t.ValueNs != nil {
			tr.Latency, tr.Value = true, float64(*t.ValueNs)
		} else if t.Value != nil {
			tr.Value = *t.Value
		}
		r.Thresholds = append(r.Thresholds, tr)
	}
	var err error
	if r.Start, err = time.Parse(time.RFC3339Nano, doc.Start); err != nil {
		return nil, fmt.Errorf("report: read json: start: %w", err)
	}
	if r.RTT, err = decodeHist(doc.Histogram, "histogram"); err != nil {
		return nil, err
	}
	if doc.UncorrectedHistogram != "" {
		if r.Uncorrected, err = decodeHist(doc.UncorrectedHistogram, "uncorrected_histogram"); err != nil {
			return nil, err
		}
	}
	if doc.FillHistogram != "" {
		if r.Fill, err = decodeHist(doc.FillHistogram, "fill_histogram"); err != nil {
			return nil, err
		}
	}
	for _, c := range doc.PerConnection {
		r.PerConn = append(r.PerConn, ConnStats(c))
	}
	for i, iv := range doc.Intervals {
		h, err := hdrhistogram.DecodePacked([]byte(iv.Histogram))
		if err != nil {
			return nil, fmt.Errorf("report: read json: intervals[%d]: %w", i, err)
		}
		h.Compact()
		r.Intervals = append(r.Intervals, Interval{Tag: iv.Tag, StartMs: iv.StartMs, EndMs: iv.EndMs, Hist: h})
	}
	return r, nil
}

// outcomesFromConfig moves outcomes that files written before they became
// result fields carry in "config" (late_sends, max_send_lag_ms, reconnects,
// reconnect_gap_s) into their fields, so that Config holds settings only.
func outcomesFromConfig(r *Run) {
	num := func(key string) (float64, bool) {
		v, ok := r.Config[key].(float64)
		if ok {
			delete(r.Config, key)
		}
		return v, ok
	}
	if v, ok := num("late_sends"); ok && r.LateSends == 0 {
		r.LateSends = int64(v)
	}
	if v, ok := num("max_send_lag_ms"); ok && r.MaxSendLag == 0 {
		r.MaxSendLag = Milliseconds(v)
	}
	if v, ok := num("reconnects"); ok && r.Reconnects == 0 {
		r.Reconnects = int64(v)
	}
	if v, ok := num("reconnect_gap_s"); ok && r.ReconnectGap == 0 {
		r.ReconnectGap = Seconds(v)
	}
}

func encodeHist(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		h = NewHistogram()
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("report: encode histogram: %w", err)
	}
	return string(b), nil
}

// encodePacked encodes h exactly as encodeHist encodes a dense histogram
// with the same counts.
func encodePacked(h *hdrhistogram.PackedHistogram) (string, error) {
	if h == nil {
		return encodeHist(nil)
	}
	b, err := h.Encode()
	if err != nil {
		return "", fmt.Errorf("report: encode histogram: %w", err)
	}
	return string(b), nil
}

func decodeHist(s, field string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("report: read json: %s: %w", field, err)
	}
	return h, nil
}

// Spread is the range of per-connection figures of a run.
type Spread struct {
	MinMsgsPerSec, MaxMsgsPerSec float64 // replies received per second
	MinP99, MaxP99               int64   // 99th percentile RTT in nanoseconds
}

// Spread returns the range of the per-connection figures of r, and false
// if r has no per-connection figures.
func (r *Run) Spread() (Spread, bool) { return spreadOf(r.PerConn) }

func spreadOf(conns []ConnStats) (Spread, bool) {
	if len(conns) == 0 {
		return Spread{}, false
	}
	s := Spread{
		MinMsgsPerSec: conns[0].MsgsPerSec, MaxMsgsPerSec: conns[0].MsgsPerSec,
		MinP99: conns[0].P99Ns, MaxP99: conns[0].P99Ns,
	}
	for _, c := range conns[1:] {
		s.MinMsgsPerSec = min(s.MinMsgsPerSec, c.MsgsPerSec)
		s.MaxMsgsPerSec = max(s.MaxMsgsPerSec, c.MsgsPerSec)
		s.MinP99 = min(s.MinP99, c.P99Ns)
		s.MaxP99 = max(s.MaxP99, c.P99Ns)
	}
	return s, true
}

// checkCounts refuses counters and durations below zero, which no run
// writes and which would make every rate and comparison wrong.
func (doc *jsonRun) checkCounts() error {
	counts := []struct {
		name string
		v    float64
	}{
		{"sent", float64(doc.Sent)}, {"received", float64(doc.Received)}, {"errors", float64(doc.Errors)},
		{"bytes_sent", float64(doc.BytesSent)}, {"bytes_received", float64(doc.BytesReceived)},
		{"duration_s", doc.DurationS}, {"warmup.sent", float64(doc.Warmup.Sent)},
		{"warmup.received", float64(doc.Warmup.Received)}, {"warmup.duration_s", doc.Warmup.DurationS},
		{"late_sends", float64(doc.LateSends)}, {"reconnects", float64(doc.Reconnects)},
		{"reconnect_gap_s", doc.ReconnectGapS}, {"connections", float64(doc.Connections)},
	}
	for _, c := range counts {
		if c.v < 0 || math.IsNaN(c.v) {
			return fmt.Errorf("%s is %v: a count or duration is never negative", c.name, c.v)
		}
	}
	for i, c := range doc.PerConnection {
		if c.Sent < 0 || c.Received < 0 || c.Errors < 0 {
			return fmt.Errorf("per_connection[%d]: negative count (sent %d, received %d, errors %d)", i, c.Sent, c.Received, c.Errors)
		}
	}
	return nil
}
