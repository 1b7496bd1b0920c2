package capacity

import (
	"errors"
	"fmt"
	"math"
)

// Outcome is what one step showed.
type Outcome int

// Outcomes of a step.
const (
	// Pass: the latency met the SLO at the target rate, and at least 95% of
	// the target was sent.
	Pass Outcome = iota
	// FailSLO: the peer's latency broke the SLO.
	FailSLO
	// FailErrors: replies were wrong or missing, or a connection failed.
	FailErrors
	// GeneratorLimit: the load generator could not keep to its schedule
	// while the peer's own latency still met the SLO.
	GeneratorLimit
	// Incomplete: the step was interrupted before its end.
	Incomplete
	// Repeated: the generator fell behind at this step, or the step broke
	// the SLO in one second only (the others met it); it is run once more
	// before the search blames the generator or the rate: one stall of a
	// shared machine must not end a search. It leaves the search where it
	// was.
	Repeated
)

var outcomeNames = [...]string{Pass: "pass", FailSLO: "fail", FailErrors: "errors", GeneratorLimit: "generator", Incomplete: "interrupted", Repeated: "repeated"}

// String returns "pass", "fail", "errors", "generator", "interrupted" or
// "repeated".
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("outcome(%d)", int(o))
	}
	return outcomeNames[o]
}

func parseOutcome(s string) (Outcome, error) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q", s)
}

// Stop is why a search ended.
type Stop int

// Reasons a search ends.
const (
	// Searching: the search has not ended.
	Searching Stop = iota
	// Converged: the last passing and first failing rates are within the
	// precision of each other.
	Converged
	// ReachedMax: the maximum rate passed; the peer may take more.
	ReachedMax
	// BelowStart: the SLO already failed at the start rate, or with a
	// search below it ([Search.Down]) at the lowest rate tried.
	BelowStart
	// ErrorsAtStart: the start rate already gave errors; nothing was
	// measured that could pass.
	ErrorsAtStart
	// GeneratorLimited: the load generator, not the peer, was the limit.
	GeneratorLimited
	// Interrupted: the search was stopped before it ended.
	Interrupted
)

var stopNames = [...]string{Searching: "searching", Converged: "converged", ReachedMax: "max", BelowStart: "below_start",
	ErrorsAtStart: "errors_at_start", GeneratorLimited: "generator", Interrupted: "interrupted"}

// String returns the name of s used in JSON: "converged", "max",
// "below_start", "errors_at_start", "generator", "interrupted".
func (s Stop) String() string {
	if s < 0 || int(s) >= len(stopNames) {
		return fmt.Sprintf("stop(%d)", int(s))
	}
	return stopNames[s]
}

func parseStop(s string) (Stop, error) {
	for i, n := range stopNames {
		if n == s {
			return Stop(i), nil
		}
	}
	return 0, fmt.Errorf("unknown stop reason %q", s)
}

// Search decides which rate to try next from the outcomes so far. It grows
// the rate geometrically from the start rate until a step fails or the
// maximum passes, then bisects between the highest passing and the lowest
// failing rate until hi/lo-1 is at most the precision. It does no I/O: feed
// it outcomes with [Search.Record]. The zero value is not usable; see
// [NewSearch].
type Search struct {
	start, max, precision, growth float64
	floor                         float64 // lowest rate to halve down to; 0: none

	lo, hi    float64 // highest passing, lowest failing rate; 0: none yet
	next      float64
	bisecting bool
	stop      Stop
}

// ErrSearch is wrapped by the errors of [NewSearch].
var ErrSearch = errors.New("capacity: search")

// NewSearch returns a search that starts at start msgs/s, never exceeds
// max, multiplies the rate by growth (> 1) while steps pass, and bisects
// until the bounds are within precision (a fraction: 0.02 is 2%).
func NewSearch(start, max, precision, growth float64) (*Search, error) {
	switch {
	case !(start > 0) || math.IsInf(start, 0):
		return nil, fmt.Errorf("%w: start rate must be positive, not %v", ErrSearch, start)
	case !(max >= start) || math.IsInf(max, 0):
		return nil, fmt.Errorf("%w: maximum rate %v is below the start rate %v", ErrSearch, max, start)
	case !(precision > 0) || precision >= 1:
		return nil, fmt.Errorf("%w: precision must be above 0 and below 1 (100%%), not %v", ErrSearch, precision)
	case !(growth > 1) || math.IsInf(growth, 0):
		return nil, fmt.Errorf("%w: growth must be above 1, not %v", ErrSearch, growth)
	}
	return &Search{start: start, max: max, precision: precision, growth: growth, next: start}, nil
}

// Down lets the search go below the start rate: when the SLO fails there,
// it halves the rate until a step passes (then bisects as usual) or the
// rate would fall below floor msgs/s (then it stops with [BelowStart]).
func (s *Search) Down(floor float64) {
	if floor > 0 && floor < s.start {
		s.floor = floor
	}
}

// Next returns the rate to try next, or false when the search has ended.
func (s *Search) Next() (float64, bool) {
	if s.stop != Searching {
		return 0, false
	}
	return s.next, true
}

// Record feeds the outcome of a step at the rate [Search.Next] returned
// last into the search.
func (s *Search) Record(o Outcome) {
	if s.stop != Searching {
		return
	}
	rate := s.next
	switch o {
	case Pass:
		s.lo = rate
		if !s.bisecting {
			if rate >= s.max {
				s.stop = ReachedMax
				return
			}
			s.next = min(rate*s.growth, s.max)
			return
		}
	case FailSLO, FailErrors:
		s.hi = rate
		if s.lo == 0 {
			if o == FailSLO && s.floor > 0 && rate > s.floor {
				s.next = max(rate/2, s.floor) // down towards the floor
				return
			}
			s.stop = BelowStart
			if o == FailErrors && rate == s.start {
				s.stop = ErrorsAtStart
			}
			return
		}
		s.bisecting = true
	case GeneratorLimit:
		s.stop = GeneratorLimited
		return
	case Repeated:
		return // the same rate again
	default:
		s.stop = Interrupted
		return
	}
	// Every rate tried lies between lo and hi, so lo < hi here.
	if s.hi/s.lo-1 <= s.precision {
		s.stop = Converged
		return
	}
	s.next = (s.lo + s.hi) / 2
}

// Best returns the highest rate that passed, or 0 if none did.
func (s *Search) Best() float64 { return s.lo }

// Bounds returns the highest passing and the lowest failing rate so far;
// 0 means none.
func (s *Search) Bounds() (lo, hi float64) { return s.lo, s.hi }

// Stop returns why the search ended, or Searching.
func (s *Search) Stop() Stop { return s.stop }
