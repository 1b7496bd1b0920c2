package report

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseMetric(t *testing.T) {
	tests := []struct {
		in   string
		name string
		kind MetricKind
	}{
		{"p50", "p50", MetricLatency},
		{" p95 ", "p95", MetricLatency},
		{"p99.99", "p99.99", MetricLatency},
		{"p99.999", "p99.999", MetricLatency},
		{"p99.90", "p99.9", MetricLatency},
		{"p100", "p100", MetricLatency},
		{"p0.1", "p0.1", MetricLatency},
		{"max", "max", MetricLatency},
		{"mean", "mean", MetricLatency},
		{"msgs_per_sec", "msgs_per_sec", MetricRate},
		{"bytes_per_sec", "bytes_per_sec", MetricRate},
		{"errors", "errors", MetricCount},
		{"error_rate", "error_rate", MetricRatio},
		{"fill_p99", "fill_p99", MetricLatency},
		{"fill_max", "fill_max", MetricLatency},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMetric(tt.in)
			if err != nil || m.Name != tt.name || m.Kind != tt.kind {
				t.Errorf("got %q kind %d, %v; want %q kind %d", m.Name, m.Kind, err, tt.name, tt.kind)
			}
		})
	}
	for _, bad := range []string{"", "p", "p0", "p100.1", "p-1", "p+50", "p1e2", "pNaN", "pInf", "p.5", "p5.", "p9.9.9",
		"p0x10", "P99", "min", "fill_p101", "fills_p99", "_p99", "msgs", "error_rates"} {
		_, err := ParseMetric(bad)
		var me *MetricError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), "any percentile") {
			t.Errorf("ParseMetric(%q) = %v, want a *MetricError listing what is known", bad, err)
		}
	}
}

func TestMetricOf(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v <= 100_000; v++ {
		_ = h.RecordValue(v * 1000) // 1 µs to 100 ms, uniform
	}
	r := &Run{RTT: h, Sent: 2000, Received: 1000, Errors: 2, BytesReceived: 52_000, Elapsed: 2 * time.Second}
	tests := []struct {
		name string
		want float64
		tol  float64 // relative
	}{
		{"p50", 50e6, 0.001},
		{"p95", 95e6, 0.001},
		{"p99.999", 99.999e6, 0.001},
		{"max", 100e6, 0.001},
		{"mean", 50.0005e6, 0.001},
		{"msgs_per_sec", 500, 0},
		{"bytes_per_sec", 26_000, 0},
		{"errors", 2, 0},
		{"error_rate", 0.001, 0},
	}
	for _, tt := range tests {
		m, err := ParseMetric(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Of(r); math.Abs(got-tt.want) > tt.tol*tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
	p99, _ := ParseMetric("p99")
	if got := p99.Of(&Run{}); got != 0 {
		t.Errorf("p99 of a run without histogram = %v, want 0", got)
	}
	rate, _ := ParseMetric("msgs_per_sec")
	if got := rate.OfHistogram(h); !math.IsNaN(got) {
		t.Errorf("msgs_per_sec of a histogram = %v, want NaN", got)
	}
	for _, tt := range []struct {
		r    Run
		want float64
	}{
		{Run{Errors: 3}, 1},                                  // nothing sent
		{Run{Sent: 1000}, 0},                                 // no error
		{Run{Sent: 1000, Errors: 1}, 0.001},                  // one in a thousand
		{Run{Sent: 2000, WarmupSent: 1000, Errors: 3000}, 1}, // every message answered twice, warmup included
		{Run{Sent: 900, WarmupSent: 100, Errors: 10}, 0.01},  // the warmup's messages count with its errors
		{Run{Sent: 10, Errors: 25}, 1},                       // more errors than messages: at most 1
	} {
		if got := tt.r.ErrorRate(); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("error rate of %d errors, %d sent and %d in the warmup = %v, want %v", tt.r.Errors, tt.r.Sent, tt.r.WarmupSent, got, tt.want)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in      string
		want    Threshold
		wantErr string
	}{
		{"p99<50us", Threshold{"p99", "<", 50_000}, ""},
		{"p99.9<=1.5ms", Threshold{"p99.9", "<=", 1_500_000}, ""},
		{"p95<1ms", Threshold{"p95", "<", 1e6}, ""},
		{"p99.999<1ms", Threshold{"p99.999", "<", 1e6}, ""},
		{"max < 2s", Threshold{"max", "<", 2e9}, ""},
		{"p50<800ns", Threshold{"p50", "<", 800}, ""},
		{"mean<12µs", Threshold{"mean", "<", 12_000}, ""},
		{"msgs_per_sec>100000", Threshold{"msgs_per_sec", ">", 100000}, ""},
		{"bytes_per_sec>=5e6", Threshold{"bytes_per_sec", ">=", 5e6}, ""},
		{"errors<=0", Threshold{"errors", "<=", 0}, ""},
		{"errors<10", Threshold{"errors", "<", 10}, ""},
		{"error_rate<0.1%", Threshold{"error_rate", "<", 0.001}, ""},
		{"error_rate<0.001", Threshold{"error_rate", "<", 0.001}, ""},
		{"error_rate < 5 %", Threshold{"error_rate", "<", 0.05}, ""},
		{"p99<50", Threshold{}, "duration with a unit"},
		{"p99<0", Threshold{}, "duration with a unit"},
		{"p99<fast", Threshold{}, "duration with a unit"},
		{"p99<-1ms", Threshold{}, "duration with a unit"},
		{"p99<NaN", Threshold{}, "duration with a unit"},
		{"p0<50us", Threshold{}, "unknown metric"},
		{"p99=50us", Threshold{}, "want METRIC<VALUE"},
		{"<50us", Threshold{}, "want METRIC<VALUE"},
		{"", Threshold{}, "want METRIC<VALUE"},
		{"msgs_per_sec>lots", Threshold{}, "not a number"},
		{"msgs_per_sec>NaN", Threshold{}, "not a number"},
		{"msgs_per_sec>nan", Threshold{}, "not a number"},
		{"msgs_per_sec>Inf", Threshold{}, "not a number"},
		{"msgs_per_sec>+Inf", Threshold{}, "not a number"},
		{"msgs_per_sec>-1", Threshold{}, "not a number"},
		{"msgs_per_sec>", Threshold{}, "not a number"},
		{"errors<1.5", Threshold{}, "whole number"},
		{"errors<NaN", Threshold{}, "whole number"},
		{"error_rate<NaN%", Threshold{}, "percentage"},
		{"error_rate<200%", Threshold{}, "percentage"},
		{"error_rate<2", Threshold{}, "percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseThreshold(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrThreshold) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an ErrThreshold mentioning %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestThresholdStringRoundTrips(t *testing.T) {
	for _, s := range []string{"p99<50µs", "p99.999<=1.5ms", "msgs_per_sec>100000", "errors<=3", "error_rate<0.1%", "bytes_per_sec>=5e+06"} {
		th, err := ParseThreshold(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseThreshold(th.String())
		if err != nil || back != th {
			t.Errorf("%q: String() %q reads back as %+v, %v", s, th.String(), back, err)
		}
	}
}

func TestCheckThresholds(t *testing.T) {
	h := NewHistogram()
	_ = h.RecordValues(12_300, 1000)
	r := &Run{RTT: h, Sent: 250_000, Received: 250_000, Errors: 50, Elapsed: time.Second}
	var ths []Threshold
	for _, s := range []string{"p99<50us", "p99<10us", "msgs_per_sec>100000", "msgs_per_sec>=300000", "p99.999<1ms", "errors<=0", "error_rate<0.1%"} {
		th, err := ParseThreshold(s)
		if err != nil {
			t.Fatal(err)
		}
		ths = append(ths, th)
	}
	lines, ok := CheckThresholds(r, ths)
	p99 := time.Duration(h.ValueAtQuantile(99)).String()
	want := []string{
		"pass: p99 " + p99 + " < 50µs",
		"FAIL: p99 " + p99 + " < 10µs",
		"pass: msgs_per_sec 250000 > 100000",
		"FAIL: msgs_per_sec 250000 >= 300000",
		"pass: p99.999 " + p99 + " < 1ms",
		"FAIL: errors 50 <= 0",
		"pass: error_rate 0.02% < 0.1%",
	}
	if ok || !reflect.DeepEqual(lines, want) {
		t.Errorf("got %q, %v\nwant %q, false", lines, ok, want)
	}
	if lines, ok := CheckThresholds(r, ths[:1]); !ok || len(lines) != 1 {
		t.Errorf("passing threshold: got %q, %v", lines, ok)
	}
	if lines, ok := CheckThresholds(&Run{RTT: NewHistogram()}, ths[2:3]); ok || !strings.Contains(lines[0], "no round trip") {
		t.Errorf("empty run: got %q, %v; want a failure", lines, ok)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    Limits
		wantErr string
	}{
		{"p99=10%,p99.9=20%,msgs_per_sec=5%", Limits{{"p99", 10}, {"p99.9", 20}, {"msgs_per_sec", 5}}, ""},
		{" p50 = 2.5 , max=100% ", Limits{{"p50", 2.5}, {"max", 100}}, ""},
		{"p95=5%,p99.999=50%,errors=0%,error_rate=10%", Limits{{"p95", 5}, {"p99.999", 50}, {"errors", 0}, {"error_rate", 10}}, ""},
		{"none", Limits{}, ""},
		{"", nil, "no limit"},
		{" , ", nil, "no limit"},
		{"p0=10%", nil, "unknown metric"},
		{"p99", nil, "METRIC=PERCENT"},
		{"p99=ten%", nil, "finite number"},
		{"p99=-1%", nil, "finite number"},
		{"p99=NaN%", nil, "finite number"},
		{"p99=nan", nil, "finite number"},
		{"p99=Inf%", nil, "finite number"},
		{"p99=%", nil, "finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLimits(tt.in)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want an ErrLimit mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// FuzzParseThreshold checks that any expression either is refused with an
// ErrThreshold or yields a known metric with a finite bound >= 0 that
// formats back to the same threshold.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p99<50us", "p99.999<=1.5ms", "msgs_per_sec>100000", "errors<=0", "error_rate<0.1%",
		"msgs_per_sec>NaN", "p99=NaN%", "p1e2<1s", "max<9999999999h", "error_rate<1e-300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("%q: error %v is not an ErrThreshold", s, err)
			}
			return
		}
		m, err := ParseMetric(th.Metric)
		if err != nil || m.Name != th.Metric {
			t.Fatalf("%q: metric %q is not canonical: %v", s, th.Metric, err)
		}
		if math.IsNaN(th.Value) || math.IsInf(th.Value, 0) || th.Value < 0 {
			t.Fatalf("%q: bound %v", s, th.Value)
		}
		if m.Kind == MetricLatency || m.Kind == MetricCount {
			back, err := ParseThreshold(th.String())
			if err != nil || back != th {
				t.Fatalf("%q: String() %q reads back as %+v, %v; want %+v", s, th.String(), back, err, th)
			}
		}
	})
}

// FuzzParseLimits checks that any list is refused with an ErrLimit or
// yields known metrics with finite percents >= 0.
func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{DefaultLimits, "none", "", "p99=NaN%", "p95=5,error_rate=1%", "p99=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := ParseLimits(s)
		if err != nil {
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("%q: error %v is not an ErrLimit", s, err)
			}
			return
		}
		for _, l := range ls {
			if _, err := ParseMetric(l.Metric); err != nil || math.IsNaN(l.Percent) || math.IsInf(l.Percent, 0) || l.Percent < 0 {
				t.Fatalf("%q: limit %+v", s, l)
			}
		}
	})
}

// TestThresholdOnUnmeasuredFamily checks that a bound on a latency the run
// did not measure (fills of an echo peer, which sends no Trade) fails
// instead of passing on a zero.
func TestThresholdOnUnmeasuredFamily(t *testing.T) {
	h := NewHistogram()
	_ = h.RecordValues(10_000, 100)
	r := &Run{RTT: h, Sent: 100, Received: 100, Elapsed: time.Second}
	th, err := ParseThreshold("fill_p99<1ms")
	if err != nil {
		t.Fatal(err)
	}
	lines, ok := CheckThresholds(r, []Threshold{th})
	if ok || lines[0] != "FAIL: fill_p99<1ms: no fill latency was measured" {
		t.Errorf("got %q, %v; want a failure naming the missing fills", lines, ok)
	}
	r.Fill = NewHistogram()
	_ = r.Fill.RecordValues(200_000, 10)
	if lines, ok := CheckThresholds(r, []Threshold{th}); !ok {
		t.Errorf("with fills: got %q, want a pass", lines)
	}
}
