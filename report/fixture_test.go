package report

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The seeded runs that report's tests render are built by package
// report/internal/fixture, which the tests of report's subpackages use too.
// That package imports report, so report's own tests cannot import it: the
// external test file fixture_link_test.go hands its builders over through
// SetFixture before any test runs.
var (
	fixtureStart time.Time                                          // fixture.Start
	fixtureEnv   Env                                                // fixture.Env
	fixtureTags  []string                                           // fixture.Tags
	rttSamples   func(seed uint64, n int, medianNs float64) []int64 // fixture.Samples
	fixtureRun   func(seed uint64, rate float64) *Run               // fixture.Run
)

// SetFixture sets the fixture values and builders of report's own tests.
func SetFixture(start time.Time, env Env, tags []string,
	samples func(seed uint64, n int, medianNs float64) []int64, run func(seed uint64, rate float64) *Run) {
	fixtureStart, fixtureEnv, fixtureTags, rttSamples, fixtureRun = start, env, tags, samples, run
}

// dense returns a dense copy of the sparse histogram p.
func dense(p *hdrhistogram.PackedHistogram) *hdrhistogram.Histogram {
	h := denseLike(p)
	if d := p.MergeInto(h); d != 0 {
		panic(fmt.Sprintf("dense copy dropped %d values", d))
	}
	return h
}

// samePacked reports whether a and b have the same settings and counts.
func samePacked(a, b *hdrhistogram.PackedHistogram) bool {
	return sameSettings(a, b) == nil && dense(a).Equals(dense(b))
}
