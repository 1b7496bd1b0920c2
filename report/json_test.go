package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, rate := range []float64{0, 2000} {
		want := fixtureRun(3, rate)
		want.Start = want.Start.Add(123456789 * time.Nanosecond)
		want.Elapsed = 3*time.Second + 7*time.Nanosecond
		want.ErrorSamples = []string{"boom"}
		var b bytes.Buffer
		if err := WriteJSON(&b, want); err != nil {
			t.Fatal(err)
		}
		got, err := ReadJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Start.Equal(want.Start) || got.Elapsed != want.Elapsed || got.WarmupElapsed != want.WarmupElapsed {
			t.Errorf("times: got %v %v %v, want %v %v %v", got.Start, got.Elapsed, got.WarmupElapsed, want.Start, want.Elapsed, want.WarmupElapsed)
		}
		if !got.RTT.Equals(want.RTT) {
			t.Errorf("rtt histogram differs after the round trip")
		}
		if (got.Uncorrected == nil) != (want.Uncorrected == nil) || (want.Uncorrected != nil && !got.Uncorrected.Equals(want.Uncorrected)) {
			t.Errorf("uncorrected histogram differs after the round trip")
		}
		if len(got.Intervals) != len(want.Intervals) {
			t.Fatalf("got %d intervals, want %d", len(got.Intervals), len(want.Intervals))
		}
		for i := range want.Intervals {
			g, w := got.Intervals[i], want.Intervals[i]
			if g.Tag != w.Tag || g.StartMs != w.StartMs || g.EndMs != w.EndMs || !samePacked(g.Hist, w.Hist) {
				t.Errorf("interval %d differs after the round trip", i)
			}
		}
		// Everything else compares directly once the histograms and times are set aside.
		for _, r := range []*Run{got, want} {
			r.RTT, r.Uncorrected, r.Intervals, r.Start = nil, nil, nil, time.Time{}
		}
		want.Config = map[string]any{"duration": "3s", "warmup": "1s", "conns": float64(2)} // JSON numbers come back as float64
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	}
}

func TestJSONFieldNames(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, fixtureRun(1, 2000)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "command", "addr", "connections", "config", "start", "sent", "received",
		"errors", "bytes_sent", "bytes_received", "duration_s", "msgs_per_sec", "bytes_per_sec", "target_rate",
		"achieved_rate", "interrupted", "warmup", "latency_ns", "uncorrected_latency_ns", "histogram",
		"uncorrected_histogram", "per_connection", "spread", "intervals", "error_samples", "tags", "env"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("document has no %q", k)
		}
	}
	lat := doc["latency_ns"].(map[string]any)
	for _, k := range []string{"min", "mean", "stddev", "p50", "p90", "p99", "p99_9", "p99_99", "max", "count"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("latency_ns has no %q", k)
		}
	}
	if got := lat["count"].(float64); got != 6000 {
		t.Errorf("latency_ns.count = %v, want 6000", got)
	}
	if _, err := time.Parse(time.RFC3339Nano, doc["start"].(string)); err != nil {
		t.Errorf("start: %v", err)
	}
	iv := doc["intervals"].([]any)[0].(map[string]any)
	for _, k := range []string{"tag", "start_ms", "end_ms", "histogram"} {
		if _, ok := iv[k]; !ok {
			t.Errorf("interval has no %q", k)
		}
	}

	// Closed loop: no uncorrected fields.
	b.Reset()
	if err := WriteJSON(&b, fixtureRun(1, 0)); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Contains(s, "uncorrected") {
		t.Errorf("closed-loop document mentions uncorrected latency")
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not json", "nope", "read json"},
		{"other schema", `{"schema":"gigadex.run/v2"}`, "schema"},
		{"bad start", `{"schema":"gigadex.run/v1","start":"yesterday"}`, "start"},
		{"bad histogram", `{"schema":"gigadex.run/v1","start":"2025-01-01T00:00:00Z","histogram":"AAAA"}`, "histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReadJSONRefusesTrailingDataAndNegativeCounts(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, fixtureRun(2, 0)); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	if _, err := ReadJSON(strings.NewReader(doc + "\n\n")); err != nil {
		t.Fatalf("one result and blank lines: %v", err)
	}
	for _, tt := range []struct{ name, in, want string }{
		{"two results", doc + doc, "data after the result"},
		{"trailing garbage", doc + "}", "data after the result"},
		{"negative sent", strings.Replace(doc, `"sent": `, `"sent": -`, 1), "sent is -"},
		{"negative errors", strings.Replace(doc, `"errors": 0`, `"errors": -3`, 1), "errors is -3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestReadJSONWrongTypes: a document or field of the wrong JSON type is
// named as such, without Go's type names.
func TestReadJSONWrongTypes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`[1,2]`, "the document is a JSON array"},
		{`{"schema":"gigadex.run/v1","sent":"x"}`, `field "sent" is a JSON string`},
		{`{"schema":"gigadex.run/v1","warmup":{"received":true}}`, `field "warmup.received" is a JSON bool`},
	} {
		_, err := ReadJSON(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "Go ") {
			t.Errorf("ReadJSON(%s): %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
}
