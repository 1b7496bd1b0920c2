package client

import (
	"testing"
	"time"
)

func TestWindowStart(t *testing.T) {
	const s = int64(time.Second)
	tests := []struct {
		name   string
		cfg    LoadConfig
		shares []int64
		known  bool  // decided before anything is sent
		start  int64 // if known
	}{
		{"no warmup", LoadConfig{}, []int64{0}, true, 0},
		{"time", LoadConfig{Warmup: time.Second}, []int64{0}, true, s},
		{"rate and count: when message N is due", LoadConfig{Rate: 1000, WarmupCount: 500}, nil, true, s / 2},
		{"rate, count and time: the count first", LoadConfig{Rate: 1000, WarmupCount: 500, Warmup: time.Second}, nil, true, s / 2},
		{"rate, count and time: the time first", LoadConfig{Rate: 200, WarmupCount: 1000, Warmup: time.Second}, nil, true, s},
		{"closed loop count", LoadConfig{WarmupCount: 3}, []int64{2, 1}, false, 0},
		{"closed loop count of zero shares", LoadConfig{WarmupCount: 1}, []int64{0, 0}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(&tt.cfg, tt.shares)
			start, ok := w.started()
			if ok != tt.known || (ok && start != tt.start) {
				t.Fatalf("started() = %v, %v; want %v, %v", time.Duration(start), ok, time.Duration(tt.start), tt.known)
			}
		})
	}
}

// TestWindowWhicheverFirst: in closed loop the window starts when the last
// connection has sent its warmup share, or at the warmup time.
func TestWindowWhicheverFirst(t *testing.T) {
	ms := int64(time.Millisecond)
	w := newWindow(&LoadConfig{WarmupCount: 10, Warmup: time.Second}, []int64{5, 5})
	w.warmedUp(100 * ms)
	if _, ok := w.startAt(200 * ms); ok {
		t.Fatal("started with one connection still warming up")
	}
	w.warmedUp(300 * ms)
	if s, ok := w.startAt(400 * ms); !ok || s != 300*ms {
		t.Fatalf("start %v, %v; want 300ms, when the last share was sent", time.Duration(s), ok)
	}
	select {
	case <-w.decided:
	default:
		t.Error("decided not closed")
	}

	w = newWindow(&LoadConfig{WarmupCount: 10, Warmup: time.Second}, []int64{5, 5})
	w.warmedUp(100 * ms)
	if _, ok := w.startAt(999 * ms); ok {
		t.Fatal("started before the warmup time")
	}
	if s, ok := w.startAt(1500 * ms); !ok || s != 1000*ms {
		t.Fatalf("start %v, %v; want 1s, the warmup time, even if seen to pass later", time.Duration(s), ok)
	}
	w.warmedUp(1600 * ms)
	if s, _ := w.started(); s != 1000*ms {
		t.Errorf("start moved to %v after it was decided", time.Duration(s))
	}
}
