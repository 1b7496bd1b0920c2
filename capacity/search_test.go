package capacity

import (
	"math"
	"slices"
	"testing"
)

// peerAt is a synthetic peer for the search: every rate up to limit
// passes, every rate above fails with fail.
func peerAt(limit float64, fail Outcome) func(float64) Outcome {
	return func(r float64) Outcome {
		if r <= limit {
			return Pass
		}
		return fail
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name                     string
		start, max, prec, growth float64
		peer                     func(float64) Outcome
		wantStop                 Stop
		wantRates                []float64 // nil: not checked
		lo, hi                   float64   // the capacity must lie in [lo, hi]
	}{
		{
			name: "grow then bisect", start: 10e3, max: 10e6, prec: 0.02, growth: 2,
			peer: peerAt(412e3, FailSLO), wantStop: Converged, lo: 412e3 / 1.02, hi: 412e3,
		},
		{
			name: "exact rates", start: 100, max: 1000, prec: 0.1, growth: 2,
			peer: peerAt(300, FailSLO), wantStop: Converged,
			// 100 200 400(fail) 300 350(fail) 325(fail): 325/300-1 <= 0.1
			wantRates: []float64{100, 200, 400, 300, 350, 325}, lo: 300, hi: 300,
		},
		{
			name: "errors end the growth like an SLO failure", start: 1000, max: 1e6, prec: 0.05, growth: 2,
			peer: peerAt(5000, FailErrors), wantStop: Converged, lo: 5000 / 1.05, hi: 5000,
		},
		{
			name: "maximum passes", start: 1000, max: 5000, prec: 0.02, growth: 2,
			peer: peerAt(1e9, FailSLO), wantStop: ReachedMax,
			wantRates: []float64{1000, 2000, 4000, 5000}, lo: 5000, hi: 5000,
		},
		{
			name: "start equals max", start: 1000, max: 1000, prec: 0.02, growth: 2,
			peer: peerAt(1e9, FailSLO), wantStop: ReachedMax, wantRates: []float64{1000}, lo: 1000, hi: 1000,
		},
		{
			name: "SLO fails at the start", start: 1000, max: 1e6, prec: 0.02, growth: 2,
			peer: peerAt(500, FailSLO), wantStop: BelowStart, wantRates: []float64{1000}, lo: 0, hi: 0,
		},
		{
			name: "errors at the start", start: 1000, max: 1e6, prec: 0.02, growth: 2,
			peer: peerAt(0, FailErrors), wantStop: ErrorsAtStart, wantRates: []float64{1000}, lo: 0, hi: 0,
		},
		{
			name: "generator limit stops at once", start: 1000, max: 1e6, prec: 0.02, growth: 2,
			peer: func(r float64) Outcome {
				if r > 3000 {
					return GeneratorLimit
				}
				return Pass
			},
			wantStop: GeneratorLimited, wantRates: []float64{1000, 2000, 4000}, lo: 2000, hi: 2000,
		},
		{
			name: "generator limit while bisecting", start: 1000, max: 1e6, prec: 0.02, growth: 2,
			peer: func(r float64) Outcome {
				switch {
				case r <= 5000:
					return Pass
				case r >= 8000:
					return FailSLO
				}
				return GeneratorLimit
			},
			wantStop: GeneratorLimited, wantRates: []float64{1000, 2000, 4000, 8000, 6000}, lo: 4000, hi: 4000,
		},
		{
			name: "interrupted", start: 1000, max: 1e6, prec: 0.02, growth: 2,
			peer: func(r float64) Outcome {
				if r > 1500 {
					return Incomplete
				}
				return Pass
			},
			wantStop: Interrupted, wantRates: []float64{1000, 2000}, lo: 1000, hi: 1000,
		},
		{
			name: "fine growth", start: 1000, max: 1e6, prec: 0.01, growth: 1.1,
			peer: peerAt(2345, FailSLO), wantStop: Converged, lo: 2345 / 1.01, hi: 2345,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSearch(tt.start, tt.max, tt.prec, tt.growth)
			if err != nil {
				t.Fatal(err)
			}
			var rates []float64
			for {
				r, ok := s.Next()
				if !ok {
					break
				}
				if len(rates) > 100 {
					t.Fatalf("no end after 100 steps: %v", rates)
				}
				if r > tt.max || r < tt.start {
					t.Fatalf("rate %v outside [%v, %v]", r, tt.start, tt.max)
				}
				rates = append(rates, r)
				s.Record(tt.peer(r))
			}
			if s.Stop() != tt.wantStop {
				t.Errorf("stop %v, want %v (rates %v)", s.Stop(), tt.wantStop, rates)
			}
			if tt.wantRates != nil && !equalRates(rates, tt.wantRates) {
				t.Errorf("rates %v, want %v", rates, tt.wantRates)
			}
			if b := s.Best(); b < tt.lo || b > tt.hi {
				t.Errorf("capacity %v, want it in [%v, %v] (rates %v)", b, tt.lo, tt.hi, rates)
			}
			if lo, hi := s.Bounds(); s.Stop() == Converged && (hi <= lo || hi/lo-1 > tt.prec) {
				t.Errorf("converged with bounds %v, %v: not within %v", lo, hi, tt.prec)
			}
			if _, ok := s.Next(); ok {
				t.Error("Next after the end reports a rate")
			}
		})
	}
}

func equalRates(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9*b[i] {
			return false
		}
	}
	return true
}

func TestNewSearchRejects(t *testing.T) {
	for _, c := range []struct{ start, max, prec, growth float64 }{
		{0, 10, 0.1, 2}, {-1, 10, 0.1, 2}, {10, 5, 0.1, 2}, {10, 100, 0, 2}, {10, 100, 1, 2},
		{10, 100, 0.1, 1}, {math.NaN(), 100, 0.1, 2}, {10, math.Inf(1), 0.1, 2},
	} {
		if _, err := NewSearch(c.start, c.max, c.prec, c.growth); err == nil {
			t.Errorf("NewSearch(%v) accepted", c)
		}
	}
}

func TestOutcomeAndStopNames(t *testing.T) {
	for o := Pass; o <= Incomplete; o++ {
		back, err := parseOutcome(o.String())
		if err != nil || back != o {
			t.Errorf("outcome %d: %q parses to %v, %v", o, o.String(), back, err)
		}
	}
	for s := Searching; s <= Interrupted; s++ {
		back, err := parseStop(s.String())
		if err != nil || back != s {
			t.Errorf("stop %d: %q parses to %v, %v", s, s.String(), back, err)
		}
	}
}

// TestSearchDown checks the search below the start rate: it halves the
// rate while the SLO fails, bisects once a rate passes, and stops at the
// floor when even that fails.
func TestSearchDown(t *testing.T) {
	tests := []struct {
		name      string
		limit     float64
		floor     float64
		wantStop  Stop
		wantRates []float64
		wantBest  float64
	}{
		{"halve then bisect", 330, 100, Converged, nil, 328.125},
		{"even the floor fails", 50, 100, BelowStart, []float64{1000, 500, 250, 125, 100}, 0},
		{"the floor is the start: no search down", 50, 1000, BelowStart, []float64{1000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSearch(1000, 1e6, 0.05, 2)
			if err != nil {
				t.Fatal(err)
			}
			s.Down(tt.floor)
			peer := peerAt(tt.limit, FailSLO)
			var rates []float64
			for r, ok := s.Next(); ok; r, ok = s.Next() {
				if len(rates) > 50 {
					t.Fatalf("no end: %v", rates)
				}
				rates = append(rates, r)
				s.Record(peer(r))
			}
			if s.Stop() != tt.wantStop {
				t.Fatalf("stop %v, want %v (rates %v)", s.Stop(), tt.wantStop, rates)
			}
			if tt.wantRates != nil && !slices.Equal(rates, tt.wantRates) {
				t.Errorf("rates %v, want %v", rates, tt.wantRates)
			}
			if best := s.Best(); best > tt.limit || tt.wantBest > 0 && best < tt.limit/1.05 {
				t.Errorf("best %v for a peer whose limit is %v", best, tt.limit)
			}
		})
	}
}
