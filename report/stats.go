package report

import (
	"errors"
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"
)

// median returns the median of xs (the mean of the two middle values for
// an even count); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// uTestP returns the two-sided p-value of the Mann-Whitney U test of x
// against y: exact for up to 50 values a side (25 with ties), else the
// normal approximation with tie and continuity corrections. This is the
// test and the implementation benchstat uses (golang.org/x/perf's
// benchmath calls the same function). Samples whose values are all equal
// give 1: there is no difference to find.
func uTestP(x, y []float64) float64 {
	res, err := stats.MannWhitneyUTest(x, y, stats.LocationDiffers)
	if errors.Is(err, stats.ErrSamplesEqual) || err != nil {
		return 1
	}
	return res.P
}

// minUTestP returns the smallest two-sided p-value a U test of samples of
// n1 and n2 values can give: when they do not overlap at all.
func minUTestP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	// 2 / C(n1+n2, n1), computed in logs to stay finite.
	lg := func(n int) float64 { v, _ := math.Lgamma(float64(n + 1)); return v }
	return math.Min(1, 2*math.Exp(lg(n2)+lg(n1)-lg(n1+n2)))
}

// shiftCI returns the Hodges-Lehmann estimate of the shift from y to x
// (the median of all differences x[i]-y[j]) and its distribution-free
// confidence interval at level conf: the k-th smallest and k-th largest
// difference, k from the exact distribution of the U statistic without
// ties. It is the interval R's wilcox.test(x, y, conf.int = TRUE)
// computes in its exact case (Bauer 1972). With one value a side the
// interval is that one difference.
func shiftCI(x, y []float64, conf float64) (est, lo, hi float64) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	diffs := make([]float64, 0, n1*n2)
	for _, a := range x {
		for _, b := range y {
			diffs = append(diffs, a-b)
		}
	}
	slices.Sort(diffs)
	k := uQuantile(n1, n2, (1-conf)/2) // R: qu <- qwilcox(alpha/2, n.x, n.y)
	if k == 0 {
		k = 1
	}
	return median(diffs), diffs[k-1], diffs[n1*n2-k]
}

// uQuantile returns the smallest u with P(U <= u) >= p for the U
// statistic of samples of n1 and n2 values without ties (R's qwilcox).
func uQuantile(n1, n2 int, p float64) int {
	d := stats.UDist{N1: n1, N2: n2}
	for u := 0; u < n1*n2; u++ {
		if d.CDF(float64(u)) >= p {
			return u
		}
	}
	return n1 * n2
}
