package echo

import (
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// ServiceBuckets is the number of buckets of [ServiceTimes]: the bounds
// 1 µs, 2 µs, 4 µs … 2^22 µs (about 4.2 s), then one for longer times.
const ServiceBuckets = 24

// ServiceTimes is a histogram of the server's service time per batch:
// from the moment a read returned a batch of frames to the moment the
// write of their replies returned. It tells the server's own share of a
// round trip from the network's and the client's.
type ServiceTimes struct {
	// Counts[i] is the number of batches served in more than
	// ServiceBound(i-1) and at most ServiceBound(i); the last one counts
	// the batches slower than every bound.
	Counts [ServiceBuckets]int64
	Sum    time.Duration // the total service time of the batches counted
}

// ServiceBound returns the upper bound of bucket i of [ServiceTimes]:
// 2^i µs, or -1 for the last bucket, which has none.
func ServiceBound(i int) time.Duration {
	if i >= ServiceBuckets-1 {
		return -1
	}
	return time.Microsecond << i
}

// Count returns the number of batches in the histogram.
func (h *ServiceTimes) Count() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// WithDetailedStats makes the server count the frames it receives by
// message type ([Stats.Kinds]) and time how long it takes to answer one
// batch in four ([Stats.Service]), for a monitoring system to read. It is
// off by default, and then costs one branch per batch. On, it reads one
// byte per frame and adds to a few counters per batch, and reads the
// monotonic clock twice (after the read, after the write) for every
// fourth batch; docs/metrics.md gives the cost measured.
func WithDetailedStats(on bool) Option { return func(s *Server) { s.detailed = on } }

// Reply returns how the server answers frames (see [WithReply]).
func (s *Server) Reply() wire.Reply { return s.reply }

// detail is what a connection counts with WithDetailedStats: written by
// the connection's goroutine, read by [Server.Stats].
type detail struct {
	tags    []byte // the types of the frames of the batch being answered; the goroutine's own
	batches int64  // batches answered, for timeEvery; the goroutine's own
	kinds   [wire.NumKinds]atomic.Int64
	service [ServiceBuckets]atomic.Int64
	sum     atomic.Int64 // ns
}

// epoch is the origin of the service time clock readings.
var epoch = time.Now()

// mono returns a monotonic clock reading in ns: one vDSO call.
func mono() int64 { return int64(time.Since(epoch)) }

// timeEvery is how many batches a connection answers for each one it
// times: the service time is sampled, so that WithDetailedStats reads the
// clock less than once per batch (twice every timeEvery batches).
const timeEvery = 4

// answerCounted is conn.answer, which answers the frames of buf[:end],
// with the counts of WithDetailedStats when they are on. The frames it
// answered are the first ones of buf, as many as it added to c.messages.
// Their types are noted before they are turned into their replies, in one
// pass that counts them and keeps them: when a malformed frame stops the
// batch, the buffer may hold anything afterwards (the connection reads
// into it what the client still sends), and the kept types give the
// counts of the frames before it.
func (c *conn) answerCounted(end int) (int, bool) {
	d := c.det
	if d == nil {
		return c.answer(end)
	}
	b := c.buf[:end]
	whole := end / wire.FrameLen
	if cap(d.tags) < whole {
		d.tags = make([]byte, whole) // only for a batch larger than any before
	}
	tags := d.tags[:whole]
	var kinds [8]int64
	for j := range tags {
		k := b[j*wire.FrameLen+wire.LengthPrefixSize]
		tags[j] = k
		kinds[k&7]++ // a valid tag is below NumKinds; the others are not answered
	}
	var start int64
	timed := d.batches%timeEvery == 0 // the first one, then every fourth
	d.batches++
	if timed {
		start = mono()
	}
	// The counts are added before the replies leave, so that a client
	// that has its replies never reads counts that lack them; frames a
	// malformed one cut off are taken back after.
	for k := range d.kinds {
		if kinds[k] != 0 {
			d.kinds[k].Add(kinds[k])
		}
	}
	before := c.messages.Load() // only this goroutine adds to it
	have, ok := c.answer(end)
	n := min(int(c.messages.Load()-before), whole)
	if timed && ok && n > 0 {
		d.served(start)
	}
	for _, k := range tags[n:] {
		if int(k&7) < len(d.kinds) {
			d.kinds[k&7].Add(-1)
		}
	}
	return have, ok
}

// served counts a batch whose service started at start (a mono reading)
// and whose replies have just been written.
func (d *detail) served(start int64) {
	ns := mono() - start
	d.service[ServiceBucket(time.Duration(ns))].Add(1)
	d.sum.Add(ns)
}

// ServiceBucket returns the bucket of [ServiceTimes] that counts d: bucket
// i holds (2^(i-1) µs, 2^i µs], bucket 0 everything up to 1 µs. It costs a
// multiplication and one instruction.
func ServiceBucket(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return min(bits.Len64(uint64(d-1)/1000), ServiceBuckets-1)
}

// add adds the counts of d to st.
func (d *detail) add(st *Stats) {
	for k := range d.kinds {
		st.Kinds[k] += d.kinds[k].Load()
	}
	for i := range d.service {
		st.Service.Counts[i] += d.service[i].Load()
	}
	st.Service.Sum += time.Duration(d.sum.Load())
}
