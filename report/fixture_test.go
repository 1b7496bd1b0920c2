package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// fixtureStart is the wall clock start of every fixture run.
var fixtureStart = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// fixtureEnv is the environment of every fixture run.
var fixtureEnv = Env{GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2, OS: "linux", Arch: "amd64"}

// rttSamples returns n log-normal RTTs around medianNs with a 1% tail 20
// times slower, drawn from a generator seeded with seed.
func rttSamples(seed uint64, n int, medianNs float64) []int64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]int64, n)
	for i := range out {
		v := medianNs * math.Exp(0.3*rng.NormFloat64())
		if rng.IntN(100) == 0 {
			v *= 20
		}
		out[i] = int64(v)
	}
	return out
}

var fixtureTags = []string{"heartbeat", "order", "cancel"}

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

// fixtureRun builds a closed-loop ping run of 3 seconds on 2 connections
// through Recorders, from seeded samples and fixed times. With rate set it
// is a rate-limited run with an uncorrected histogram.
func fixtureRun(seed uint64, rate float64) *Run {
	r := NewRun("ping", "127.0.0.1:7000", 2)
	r.Env = fixtureEnv
	r.Start = fixtureStart
	r.Elapsed = 3 * time.Second
	r.TargetRate = rate
	r.Config = map[string]any{"duration": "3s", "warmup": "1s", "conns": 2}
	r.Tags = map[string]string{"branch": "main"}
	r.WarmupElapsed = time.Second
	base := time.Now()
	const perConn = 3000
	for c := 0; c < 2; c++ {
		rec := NewRecorder(base, fixtureStart, fixtureTags)
		samples := rttSamples(seed+uint64(c), perConn, 20_000)
		for i, v := range samples {
			now := base.Add(time.Duration(i) * 3 * time.Second / perConn)
			if rate > 0 {
				rec.RecordPair(i%3, now, v+int64(i%7)*1000, v)
			} else {
				rec.Record(i%3, now, v)
			}
		}
		rec.Finish(base.Add(3 * time.Second))
		if err := r.AddRecorder(rec); err != nil {
			panic(err)
		}
		h := rec.Histogram()
		r.PerConn = append(r.PerConn, ConnStats{Conn: c, Sent: perConn, Received: perConn,
			MsgsPerSec: perConn / 3.0, P99Ns: h.ValueAtQuantile(99)})
		r.Sent += perConn
		r.Received += perConn
		r.BytesSent += perConn * 52
		r.BytesReceived += perConn * 52
		r.WarmupSent += 1000
		r.WarmupReceived += 1000
	}
	return r
}
