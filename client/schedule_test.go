package client

import (
	"testing"
	"time"
)

func TestScheduleAt(t *testing.T) {
	tests := []struct {
		name      string
		rate      float64
		id, conns int
		seq       uint64
		want      int64
	}{
		{"one conn, first", 1000, 0, 1, 0, 0},
		{"one conn, 1000th", 1000, 0, 1, 1000, int64(time.Second)},
		{"4 conns, conn 0", 1000, 0, 4, 1, 4 * int64(time.Millisecond)},
		{"4 conns, conn 3 interleaves", 1000, 3, 4, 0, 3 * int64(time.Millisecond)},
		{"4 conns, conn 3 later", 1000, 3, 4, 2, 11 * int64(time.Millisecond)},
		{"fractional period", 3, 0, 1, 1, 333333333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule(tt.rate, tt.id, tt.conns)
			if got := s.at(tt.seq); got != tt.want {
				t.Errorf("at(%d) = %d, want %d", tt.seq, got, tt.want)
			}
		})
	}
}

// TestScheduleDueAgreesWithAt: a message is due exactly from its intended
// time on, for rates whose periods do not divide a second evenly.
func TestScheduleDueAgreesWithAt(t *testing.T) {
	for _, tt := range []struct {
		rate      float64
		id, conns int
	}{{1000, 0, 1}, {3, 0, 1}, {7, 2, 3}, {123456.7, 5, 8}, {1e6, 0, 1}, {999.9, 1, 2}} {
		s := newSchedule(tt.rate, tt.id, tt.conns)
		for seq := uint64(0); seq < 2000; seq++ {
			at := s.at(seq)
			if got := s.due(at); got != seq+1 {
				t.Fatalf("rate %v conn %d/%d: due(at(%d)=%d) = %d, want %d", tt.rate, tt.id, tt.conns, seq, at, got, seq+1)
			}
			if got := s.due(at - 1); got != seq {
				t.Fatalf("rate %v conn %d/%d: due(at(%d)-1) = %d, want %d", tt.rate, tt.id, tt.conns, seq, got, seq)
			}
		}
	}
	if s := newSchedule(1000, 3, 4); s.due(0) != 0 {
		t.Errorf("conn 3 of 4 at time 0: due %d, want 0", s.due(0))
	}
}

func TestScheduleLag(t *testing.T) {
	s := newSchedule(1000, 0, 1) // message k at k ms
	tests := []struct {
		seq      uint64
		sentAt   time.Duration
		wantLag  time.Duration
		wantLate int64
	}{
		{0, 0, 0, 0},
		{1, 1500 * time.Microsecond, 500 * time.Microsecond, 0},
		{2, 2 * time.Millisecond, 0, 0},
		{3, 3*time.Millisecond + LateSend, LateSend, 0}, // late means more than LateSend
		{4, 9 * time.Millisecond, 5 * time.Millisecond, 1},
		{5, 7 * time.Millisecond, 2 * time.Millisecond, 2},
		{6, 5 * time.Millisecond, -time.Millisecond, 2},
	}
	for _, tt := range tests {
		if got := s.lag(tt.seq, int64(tt.sentAt)); got != int64(tt.wantLag) {
			t.Errorf("lag(%d, %v) = %v, want %v", tt.seq, tt.sentAt, time.Duration(got), tt.wantLag)
		}
		if s.late != tt.wantLate {
			t.Errorf("after message %d: %d late, want %d", tt.seq, s.late, tt.wantLate)
		}
	}
	if s.maxLag != int64(5*time.Millisecond) {
		t.Errorf("max lag %v, want 5ms", time.Duration(s.maxLag))
	}
	// The worst lag is kept also when no send was late.
	on := newSchedule(1000, 0, 1)
	on.lag(0, int64(300*time.Microsecond))
	on.lag(1, int64(time.Millisecond+100*time.Microsecond))
	if on.late != 0 || on.maxLag != int64(300*time.Microsecond) {
		t.Errorf("%d late, max lag %v; want 0 and 300µs", on.late, time.Duration(on.maxLag))
	}
}

func TestScheduleWait(t *testing.T) {
	s := newSchedule(10, 0, 1) // message k at k*100 ms
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	tests := []struct {
		name      string
		seq       uint64
		now       time.Duration
		park, spn time.Duration
	}{
		{"due", 1, ms(100), 0, 0},
		{"overdue", 1, ms(250), 0, 0},
		{"within the spin margin", 1, ms(100) - spinMargin, 0, spinMargin},
		{"park then spin", 1, ms(50), ms(50) - spinMargin, spinMargin},
		{"long wait parks at most maxPark", 5, 0, maxPark, ms(500) - maxPark},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			park, spin := s.wait(tt.seq, int64(tt.now))
			if park != tt.park || spin != tt.spn {
				t.Errorf("wait(%d, %v) = %v, %v; want %v, %v", tt.seq, tt.now, park, spin, tt.park, tt.spn)
			}
		})
	}
	if closed := (schedule{}); closed.paced() {
		t.Error("the zero schedule is paced")
	}
}

func TestScheduleSkipTo(t *testing.T) {
	ms := int64(time.Millisecond)
	tests := []struct {
		name      string
		id, conns int
		seq       uint64
		from      int64
		wantAt    int64 // of seq after skipTo
	}{
		{"behind: moves to the window's start", 0, 1, 10, 500 * ms, 500 * ms},
		{"behind, between slots: the next slot", 0, 1, 10, 500*ms + 1, 501 * ms},
		{"on time: stays", 0, 1, 600, 500 * ms, 600 * ms},
		{"4 conns, conn 3", 3, 4, 5, 500 * ms, 503 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule(1000, tt.id, tt.conns)
			s.skipTo(tt.seq, tt.from)
			if got := s.at(tt.seq); got != tt.wantAt {
				t.Errorf("at(%d) = %d after skipTo(%d), want %d", tt.seq, got, tt.from, tt.wantAt)
			}
			if got := s.due(s.at(tt.seq) - 1); got != tt.seq {
				t.Errorf("due just before seq's time = %d, want %d", got, tt.seq)
			}
			if got := s.due(s.at(tt.seq + 1)); got != tt.seq+2 {
				t.Errorf("due at seq+1's time = %d, want %d", got, tt.seq+2)
			}
		})
	}
}
