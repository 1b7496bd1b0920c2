package report

import (
	"math"
	"math/bits"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The buckets of this package's histograms ([LowestNs] 1, [SigFigs] 3):
// 2048 sub-buckets of width 1 for the values below 2048, then 1024 per
// power of two, each twice as wide as the previous power's. bucketOf and
// bucketValue index them as hdrhistogram-go's counts index does (a test
// holds them to it).
const (
	subBucketBits = 11 // 2048 sub-buckets: 3 significant digits
	halfBits      = subBucketBits - 1
)

// bucketOf returns the index of the bucket that holds v (0 <= v <= HighestNs).
func bucketOf(v int64) int32 {
	shift := bits.Len64(uint64(v)|(1<<subBucketBits-1)) - subBucketBits
	return int32(shift<<halfBits) + int32(v>>shift)
}

// bucketValue returns the lowest value of bucket i.
func bucketValue(i int32) int64 {
	shift := max(i>>halfBits-1, 0)
	return int64(i-shift<<halfBits) << shift
}

// hotLen is the number of consecutive buckets a hotBuckets counts: four
// powers of two, so a window placed a power of two below a run's typical
// RTT holds values from half to eight times it.
const hotLen = 4 << halfBits

// hotFrom is how many buckets a second of one tag fills in the sparse
// histogram before a hotBuckets counts its values: below it, inserting a
// bucket moves few, and a thousand connections recording a few hundred
// values a second each would spread their counts over megabytes.
const hotFrom = 256

// hotBuckets counts the values of one tag in the current second whose
// bucket falls in a window of hotLen consecutive buckets, one uint16 each
// (8 KB). Recording such a value is an increment, where the sparse
// histogram would search its buckets and, for a bucket not yet in it,
// move every bucket above to insert it: a flood's batches each bring a
// new RTT, and a second of one connection holds hundreds of buckets. The
// sparse histogram keeps the values outside the window, and those of a
// bucket whose count would overflow, and receives the counts when the
// second closes, in ascending order.
type hotBuckets struct {
	lo       int32 // the bucket counts[0] counts
	min, max int32 // the counts touched this second, as indexes of counts; min > max: none
	n        int64 // values counted in counts
	// missed counts the values of this second outside the window, and
	// last is the bucket of the latest one, where the window moves when
	// they outnumber those inside it.
	missed int64
	last   int32
	counts [hotLen]uint16
}

// newHotBuckets returns a window with room for values from half to eight
// times v.
func newHotBuckets(v int64) *hotBuckets {
	h := &hotBuckets{}
	h.centre(bucketOf(v))
	return h
}

// centre moves the (empty) window so that bucket b is a power of two
// above its first bucket (at most: not below bucket 0).
func (h *hotBuckets) centre(b int32) {
	h.lo = max(b-hotLen/4, 0)
	h.min, h.max = hotLen, -1
}

// add counts n values of v and reports whether it did: v is in the window
// and the count of its bucket stays below 65536.
func (h *hotBuckets) add(v, n int64) bool {
	i := bucketOf(v) - h.lo
	if uint32(i) >= hotLen {
		return false
	}
	c := uint64(h.counts[i]) + uint64(n)
	if c > math.MaxUint16 {
		return false
	}
	h.counts[i] = uint16(c)
	h.n += n
	h.min, h.max = min(h.min, i), max(h.max, i)
	return true
}

// miss notes n values of v that add did not count.
func (h *hotBuckets) miss(v, n int64) {
	h.missed += n
	h.last = bucketOf(v)
}

// moveTo adds the counts to p, the same second's sparse histogram, and
// empties the window; the window moves to the values it missed when they
// outnumbered those it counted. It scans the buckets from the lowest to
// the highest touched, not the whole window.
func (h *hotBuckets) moveTo(p *hdrhistogram.PackedHistogram) {
	for i := h.min; i <= h.max; i++ {
		if c := h.counts[i]; c != 0 {
			_ = p.RecordValues(bucketValue(h.lo+i), int64(c)) // cannot fail: the bucket is in range
			h.counts[i] = 0
		}
	}
	if h.missed > h.n {
		h.centre(h.last)
	}
	h.min, h.max, h.n, h.missed = hotLen, -1, 0, 0
}
