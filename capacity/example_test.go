package capacity_test

import (
	"fmt"

	"github.com/gigadex/gigadex/capacity"
)

// A Search needs only the outcome of each step: here a peer that keeps its
// SLO up to 3000 msgs/s.
func ExampleSearch() {
	s, err := capacity.NewSearch(1000, 1e6, 0.05, 2)
	if err != nil {
		panic(err)
	}
	for {
		rate, ok := s.Next()
		if !ok {
			break
		}
		o := capacity.Pass
		if rate > 3000 {
			o = capacity.FailSLO
		}
		fmt.Printf("%.0f %v\n", rate, o)
		s.Record(o)
	}
	lo, hi := s.Bounds()
	fmt.Printf("%v: capacity %.0f msgs/s, failed at %.0f\n", s.Stop(), lo, hi)
	// Output:
	// 1000 pass
	// 2000 pass
	// 4000 fail
	// 3000 pass
	// 3500 fail
	// 3250 fail
	// 3125 fail
	// converged: capacity 3000 msgs/s, failed at 3125
}
