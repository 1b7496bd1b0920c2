package client

import (
	"math/rand/v2"
	"time"
)

// Reconnection backoff, with LoadConfig.Reconnect.
const (
	// BackoffMin is the first step of the wait before redialling.
	BackoffMin = 20 * time.Millisecond
	// BackoffMax caps the step, which doubles after every failed attempt.
	BackoffMax = time.Second
	// BackoffReset is how long a connection must have lived for its failure
	// to start the wait over from BackoffMin.
	BackoffReset = time.Second
)

// backoff spaces out reconnection attempts, whether the dial or the
// connection failed: each wait is a random time between half and all of a
// step (equal jitter, so connections that failed together do not redial
// together) and the step doubles up to BackoffMax. A connection that lived
// at least BackoffReset resets the step to BackoffMin.
type backoff struct {
	step time.Duration
	rng  *rand.Rand
}

func newBackoff(seed uint64) backoff {
	return backoff{step: BackoffMin, rng: rand.New(rand.NewPCG(seed, 0x6261636b6f6666))}
}

// next returns how long to wait before the next attempt, and doubles the
// step after it.
func (b *backoff) next() time.Duration {
	if b.step <= 0 {
		b.step = BackoffMin
	}
	half := b.step / 2
	d := half + time.Duration(b.rng.Int64N(int64(b.step-half)+1))
	b.step = min(2*b.step, BackoffMax)
	return d
}

// lived notes that a connection stayed up for d before it failed.
func (b *backoff) lived(d time.Duration) {
	if d >= BackoffReset {
		b.step = BackoffMin
	}
}
