package capacity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
)

func TestTestSuite(t *testing.T) {
	res := fakeResult(t) // converges below 50 k msgs/s, SLO p99<1ms,p99.9<2ms
	s := res.TestSuite("search")
	if len(s.Cases) != 3 || s.Failures() != 0 {
		t.Fatalf("%d cases, %d failed: %+v; want 3 passing", len(s.Cases), s.Failures(), s.Cases)
	}
	if c := s.Cases[0]; c.Name != "capacity" || c.Measured != FormatRate(res.Capacity)+" msgs/s" {
		t.Errorf("capacity case %+v", c)
	}
	if c := s.Cases[1]; c.Name != "p99<1ms" || c.Limit != "< 1.000 ms" || !strings.Contains(c.Measured, "at "+FormatRate(res.Capacity)) {
		t.Errorf("SLO case %+v", c)
	}

	// A peer that breaks the SLO at the start rate: no capacity, and the
	// terms fail with the first step's values.
	slo, _ := ParseSLO("p99<1ms")
	f := &fakePeer{limit: 1}
	below, err := Measure(context.Background(), Config{Load: client.LoadConfig{Addr: "peer:1", Conns: 1}, SLO: slo, Start: 10e3, Step: time.Second, Drive: f.drive})
	if err != nil {
		t.Fatal(err)
	}
	s = below.TestSuite("below")
	if s.Failures() != 2 || !strings.Contains(s.Cases[0].Message, "capacity: below") || !strings.Contains(s.Cases[1].Message, "p99<1ms: measured 5.001 ms at 10.0 k msgs/s (step 1)") {
		t.Errorf("cases %+v", s.Cases)
	}
}
