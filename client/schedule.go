package client

import "time"

// schedule is one connection's share of an open-loop send schedule: at a
// total rate R over N connections, connection i sends message k at
// (i + k*N)/R seconds after the run's base, so the connections interleave
// evenly and message number i + k*N of the whole run is due at that time.
// It also keeps count of the sends that left late. The zero schedule is a
// closed loop: nothing is ever scheduled.
type schedule struct {
	rate  float64 // messages/s over all connections; 0: closed loop
	id    float64 // this connection's index
	conns float64 // number of connections
	skip  uint64  // slots passed over: message seq takes slot seq+skip

	late   int64 // sends more than LateSend behind their time
	maxLag int64 // the largest lag seen, ns
}

func newSchedule(rate float64, id, conns int) schedule {
	return schedule{rate: rate, id: float64(id), conns: float64(conns)}
}

// paced reports whether the schedule sets send times (open loop).
func (s *schedule) paced() bool { return s.rate > 0 }

// at returns the intended send time of message seq, in ns since the base.
func (s *schedule) at(seq uint64) int64 { return s.slotAt(seq + s.skip) }

// slotAt returns the time of slot k of this connection's share.
func (s *schedule) slotAt(k uint64) int64 {
	return int64((s.id + float64(k)*s.conns) * 1e9 / s.rate)
}

// due returns how many messages are due by time t (ns since the base): the
// number of sequence numbers whose intended time is at or before t.
func (s *schedule) due(t int64) uint64 {
	return max(s.slotsBy(t), s.skip) - s.skip
}

// slotsBy returns the number of slots whose time is at or before t.
func (s *schedule) slotsBy(t int64) uint64 {
	k := (float64(t)*s.rate/1e9 - s.id) / s.conns
	var n uint64
	if k >= 0 {
		n = uint64(k) + 1
	}
	// The estimate can be one off where rounding meets truncation: make it
	// agree with slotAt exactly.
	for n > 0 && s.slotAt(n-1) > t {
		n--
	}
	for s.slotAt(n) <= t {
		n++
	}
	return n
}

// skipTo moves message seq, if it is due before from, to the first slot
// at or after from, and the messages after it along with it. The measured
// window starts at from: messages of the warmup that a slow peer kept
// from going out are dropped from the schedule rather than sent inside
// the window with intended times before it, where they would count as
// warmup and fill the window, so that nothing sent in it is measured.
func (s *schedule) skipTo(seq uint64, from int64) {
	if s.at(seq) >= from {
		return
	}
	s.skip = s.slotsBy(from-1) - seq
}

// lag returns how far behind its intended time message seq is when sent at
// t, in ns (negative if early), keeps the largest, and counts it late when
// that is more than LateSend.
func (s *schedule) lag(seq uint64, t int64) int64 {
	l := t - s.at(seq)
	s.maxLag = max(s.maxLag, l)
	if l > int64(LateSend) {
		s.late++
	}
	return l
}

// wait returns, for message seq at time now, how long to sleep (park)
// before polling for the rest of the wait (spin), so that a sleep that
// wakes up late does not make the send late. Both are zero once the
// message is due; park is at most maxPark.
func (s *schedule) wait(seq uint64, now int64) (park, spin time.Duration) {
	d := time.Duration(s.at(seq) - now)
	if d <= 0 {
		return 0, 0
	}
	if d <= spinMargin {
		return 0, d
	}
	park = min(d-spinMargin, maxPark)
	return park, d - park
}

// spinMargin is how long before a scheduled send the driver stops sleeping
// and polls instead: a ppoll(2) timeout wakes up 50 to 150 µs late on a
// virtual machine, which would make the generator, not the peer, late.
const spinMargin = 150 * time.Microsecond

// maxPark bounds one sleep of a waiting connection, so that it notices an
// interrupt or the run's end.
const maxPark = 100 * time.Millisecond
