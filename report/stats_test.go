package report

import (
	"math"
	"testing"
)

// The reference values come from R 4.2.2, for the same samples:
//
//	w <- wilcox.test(cur, base, conf.int = TRUE)              # p.value, estimate, conf.int
//	l <- wilcox.test(log(cur), log(base), conf.int = TRUE)    # the same on the log scale
//
// (exact test and interval: fewer than 50 values a side, no ties).
var rReference = []struct {
	name                 string
	base, cur            []float64
	p                    float64
	est, lo, hi          float64 // shift cur - base
	logEst, logLo, logHi float64 // the same, log(cur) - log(base)
}{
	{"separated", []float64{26.1, 27.3, 25.9, 26.8, 27.0}, []float64{33.9, 35.1, 34.2, 36.0, 33.5},
		0.00793650793650794, 7.8, 6.6, 9.2, 0.261479700057757, 0.21652831219549, 0.303958161766328},
	{"overlapping", []float64{10.2, 11.5, 9.8, 10.9, 12.1, 10.4}, []float64{10.8, 12.3, 11.1, 13.0, 10.1, 11.7},
		0.30952380952381, 0.75, -0.7, 2.1, 0.0661957645900646, -0.0628009012390303, 0.177206456127184},
	{"uneven", []float64{101, 97, 105, 99}, []float64{90, 94, 88, 99.5, 93, 96, 91},
		0.0242424242424242, -7.5, -13, -1.5, -0.0787111659305606, -0.137783702363053, -0.0149628726767128},
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestUTestAgainstR(t *testing.T) {
	for _, tt := range rReference {
		if got := uTestP(tt.cur, tt.base); !near(got, tt.p) {
			t.Errorf("%s: p = %.15g, R says %.15g", tt.name, got, tt.p)
		}
		if got := uTestP(tt.base, tt.cur); !near(got, tt.p) {
			t.Errorf("%s: p with the sides swapped = %.15g, R says %.15g", tt.name, got, tt.p)
		}
	}
}

func TestShiftCIAgainstR(t *testing.T) {
	for _, tt := range rReference {
		est, lo, hi := shiftCI(tt.cur, tt.base, 0.95)
		if !near(est, tt.est) || !near(lo, tt.lo) || !near(hi, tt.hi) {
			t.Errorf("%s: shift %.15g [%.15g, %.15g], R says %.15g [%.15g, %.15g]", tt.name, est, lo, hi, tt.est, tt.lo, tt.hi)
		}
		est, lo, hi = shiftCI(logs(tt.cur), logs(tt.base), 0.95)
		if !near(est, tt.logEst) || !near(lo, tt.logLo) || !near(hi, tt.logHi) {
			t.Errorf("%s: log shift %.15g [%.15g, %.15g], R says %.15g [%.15g, %.15g]", tt.name, est, lo, hi, tt.logEst, tt.logLo, tt.logHi)
		}
	}
}

func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

func TestUTestEdges(t *testing.T) {
	if p := uTestP([]float64{5, 5, 5}, []float64{5, 5}); p != 1 {
		t.Errorf("all equal: p = %v, want 1", p)
	}
	// R: 2/choose(10,5) = 0.00793650793650794; 2/choose(6,3) = 0.1; 2/choose(2,1) = 1.
	for _, tt := range []struct {
		n1, n2 int
		want   float64
	}{{5, 5, 0.00793650793650794}, {3, 3, 0.1}, {1, 1, 1}, {4, 4, 0.0285714285714286}, {1, 5, 1.0 / 3}} {
		if got := minUTestP(tt.n1, tt.n2); !near(got, tt.want) {
			t.Errorf("minUTestP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
	if q := uQuantile(5, 5, 0.025); q != 3 { // R: qwilcox(0.025, 5, 5) = 3
		t.Errorf("uQuantile(5, 5, 0.025) = %d, want 3", q)
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.000 kB"},
		{52052, "52.05 kB"},
		{99_994, "99.99 kB"},
		{99_996, "100.0 kB"},
		{577_135_931, "577.1 MB"},
		{999_949_999, "999.9 MB"},
		{999_950_000, "1.000 GB"},
		{1_155_042_304, "1.155 GB"},
		{1 << 62, "4.612 EB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
