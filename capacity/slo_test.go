package capacity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
)

func TestParseSLO(t *testing.T) {
	slo, err := ParseSLO(" p99<50us, p99.9<=200us ,")
	if err != nil {
		t.Fatal(err)
	}
	if len(slo) != 2 || slo.String() != "p99<50us, p99.9<=200us" {
		t.Fatalf("got %d terms %q", len(slo), slo.String())
	}
	if slo.Tightest() != float64(50*time.Microsecond) || slo.Loosest() != float64(200*time.Microsecond) {
		t.Errorf("tightest %v, loosest %v", slo.Tightest(), slo.Loosest())
	}
	for _, bad := range []string{"", ",", "p99", "p99>50us", "msgs_per_sec<100", "p0<1ms", "p99<50", "p99<0s", "p99<-1ms"} {
		if _, err := ParseSLO(bad); !errors.Is(err, ErrSLO) {
			t.Errorf("ParseSLO(%q) = %v, want an ErrSLO", bad, err)
		}
	}
}

// histOf returns a histogram of n values at each of the given ns.
func histOf(n int64, ns ...int64) *hdrhistogram.Histogram {
	h := report.NewHistogram()
	for _, v := range ns {
		h.RecordValues(v, n)
	}
	return h
}

func TestSLOFailed(t *testing.T) {
	slo, _ := ParseSLO("p99<50us,p99.9<200us,max<=1ms")
	tests := []struct {
		name string
		h    *hdrhistogram.Histogram
		want []string
	}{
		{"all pass", histOf(1000, 10_000), nil},
		{"tail breaks p99.9", func() *hdrhistogram.Histogram { h := histOf(995, 10_000); h.RecordValues(300_000, 5); return h }(), []string{"p99.9<200us"}},
		{"p99 and p99.9", func() *hdrhistogram.Histogram { h := histOf(900, 10_000); h.RecordValues(300_000, 100); return h }(), []string{"p99<50us", "p99.9<200us"}},
		{"max below the bound", func() *hdrhistogram.Histogram { h := histOf(100000, 10_000); h.RecordValue(900_000); return h }(), nil},
		{"max above", func() *hdrhistogram.Histogram { h := histOf(100000, 10_000); h.RecordValue(2_000_000); return h }(), []string{"max<=1ms"}},
		{"empty fails all", report.NewHistogram(), []string{"p99<50us", "p99.9<200us", "max<=1ms"}},
		{"nil fails all", nil, []string{"p99<50us", "p99.9<200us", "max<=1ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slo.Failed(tt.h)
			if len(got) != len(tt.want) {
				t.Fatalf("failed %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("failed %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestParseSLOAnyPercentile(t *testing.T) {
	slo, err := ParseSLO("p95<1ms, p99.999<=2ms")
	if err != nil {
		t.Fatal(err)
	}
	h := histOf(1, 10_000)
	for v := int64(1); v <= 100_000; v++ {
		h.RecordValue(v * 10) // 10 ns to 1 ms
	}
	if got := slo[0].Value(h); got < 949_000 || got > 951_000 {
		t.Errorf("p95 = %d ns, want about 950 µs", got)
	}
	if got := slo.Failed(h); len(got) != 0 {
		t.Errorf("failed %v, want none", got)
	}
	if _, err := ParseSLO("p99<NaNms"); !errors.Is(err, ErrSLO) {
		t.Errorf("NaN bound: got %v, want an ErrSLO", err)
	}
	for _, bad := range []string{"msgs_per_sec<100", "errors<1", "error_rate<1%", "p0<1ms"} {
		_, err := ParseSLO(bad)
		if !errors.Is(err, ErrSLO) || !strings.Contains(err.Error(), "p99.999") || strings.Contains(err.Error(), "msgs_per_sec,") {
			t.Errorf("ParseSLO(%q) = %v, want an ErrSLO that lists only latencies", bad, err)
		}
	}
}
