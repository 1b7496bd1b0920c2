package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/report"
)

// Defaults of [Config].
const (
	DefaultPrecision = 0.02
	DefaultGrowth    = 2.0
	DefaultStep      = 5 * time.Second
	DefaultWarmup    = time.Second
	DefaultStart     = 10_000.0
	DefaultMax       = 10_000_000.0
)

// Driver runs one step: a rate-limited run with cfg.Rate, cfg.Duration,
// cfg.Warmup and cfg.Window set. [client.Run] is the driver [Measure]
// uses unless Config.Drive replaces it (tests do).
type Driver func(ctx context.Context, cfg client.LoadConfig) (*report.Run, error)

// Config describes a capacity search. Zero values mean the documented
// defaults.
type Config struct {
	// Load holds the peer and the traffic of every step: Addr, Conns, Mix,
	// Reply, Options and so on. Measure sets Command, Rate, Duration,
	// Warmup and Window (unless Window is set here) for each step and
	// clears Count and WarmupCount.
	Load client.LoadConfig
	SLO  SLO // required

	Start     float64       // first rate tried, msgs/s (default 10k)
	Floor     float64       // if the SLO fails at Start, halve the rate down to this, msgs/s (0: no search below Start)
	Max       float64       // highest rate tried, msgs/s (default 10M)
	Precision float64       // bisect until hi/lo-1 <= Precision (default 0.02)
	Growth    float64       // rate factor between steps that pass, before bisecting (default 2)
	Step      time.Duration // measured length of each step (default 5s)
	Warmup    time.Duration // warmup before each step, outside its window (default 1s)

	// Drive runs one step; nil means client.Run.
	Drive Driver
	// OnStep, if set, is called after each step, from the goroutine that
	// called Measure.
	OnStep func(Step)
}

// ErrConfig is wrapped by errors of a Config that cannot run.
var ErrConfig = errors.New("capacity: config")

func (c *Config) normalize() error {
	if c.Start == 0 {
		c.Start = DefaultStart
	}
	if c.Max == 0 {
		c.Max = max(DefaultMax, c.Start)
	}
	if c.Precision == 0 {
		c.Precision = DefaultPrecision
	}
	if c.Growth == 0 {
		c.Growth = DefaultGrowth
	}
	if c.Step == 0 {
		c.Step = DefaultStep
	}
	if c.Load.Conns == 0 {
		c.Load.Conns = 1
	}
	switch {
	case len(c.SLO) == 0:
		return fmt.Errorf("%w: no SLO", ErrConfig)
	case c.Step < 0 || c.Warmup < 0:
		return fmt.Errorf("%w: step and warmup must not be negative", ErrConfig)
	case c.Start < float64(c.Load.Conns):
		return fmt.Errorf("%w: start rate %v msgs/s is below the number of connections (%d): each connection needs at least 1 msg/s", ErrConfig, c.Start, c.Load.Conns)
	case c.Load.Window < 0 || c.Load.Window > maxWindow:
		return fmt.Errorf("%w: window must be from 1 to %d, not %d", ErrConfig, maxWindow, c.Load.Window)
	}
	return nil
}

// maxWindow is the largest window client.Run takes.
const maxWindow = 1 << 20

// WindowFor returns the window per connection that lets conns connections
// keep rate msgs/s in flight for span without waiting for replies: only a
// peer whose latency exceeds span fills it, and such a peer fails any SLO
// tighter than span. It is at least 16 and at most 1<<20.
func WindowFor(rate float64, conns int, span time.Duration) int {
	w := math.Ceil(rate / float64(max(conns, 1)) * span.Seconds())
	return int(min(max(w, 16), maxWindow))
}

// windowSpan is how long the automatic window lets the rate run on
// without replies: at least 50 ms, and 20 times the loosest SLO bound.
func windowSpan(slo SLO) time.Duration {
	return max(50*time.Millisecond, time.Duration(20*slo.Loosest()))
}

// Measure searches for the capacity of cfg.Load.Addr under cfg.SLO and
// returns every step and the verdict.
//
// It always returns the Result gathered so far, also with an error. A
// cancelled context gives the steps done, Interrupted set and ctx.Err(). A
// step that could not run at all (the peer refused the connection, say)
// ends the search with that error. Errors at the start rate end it with
// Stop ErrorsAtStart and no error: the result says what went wrong.
func Measure(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	search, err := NewSearch(cfg.Start, cfg.Max, cfg.Precision, cfg.Growth)
	if err != nil {
		return nil, err
	}
	if cfg.Floor > 0 {
		search.Down(cfg.Floor)
	}
	drive := cfg.Drive
	if drive == nil {
		drive = client.Run
	}
	res := &Result{
		Schema:      Schema,
		Addr:        cfg.Load.Addr,
		Connections: cfg.Load.Conns,
		Config:      cfg.configMap(),
		SLO:         cfg.SLO,
		Start:       time.Now(),
		Env:         report.CurrentEnv(),
	}
	began := time.Now()
	defer func() { res.Elapsed = time.Since(began) }()
	var runErr error
	repeated := false // the step at this rate is a repeat
	for {
		rate, ok := search.Next()
		if !ok {
			break
		}
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		lc := cfg.Load
		lc.Command = "capacity"
		lc.Rate = rate
		lc.Duration = cfg.Step
		lc.Warmup = cfg.Warmup
		lc.Count, lc.WarmupCount = 0, 0
		if lc.Window == 0 {
			lc.Window = WindowFor(rate, lc.Conns, windowSpan(cfg.SLO))
		}
		run, err := drive(ctx, lc)
		// No result, or not a single message sent because the peer could
		// not be reached: the search cannot go on.
		if ctx.Err() == nil && (run == nil || errors.Is(err, client.ErrPeer) && run.Sent+run.WarmupSent == 0) {
			runErr = fmt.Errorf("capacity: step %d at %s msgs/s: %w", len(res.Steps)+1, FormatRate(rate), err)
			break
		}
		st := Step{Index: len(res.Steps) + 1, Target: rate, Length: cfg.Step, Window: lc.Window, Run: run}
		if run == nil {
			st.Outcome, st.Note = Incomplete, "interrupted"
		} else {
			st.Outcome, st.Failed, st.Note = classify(run, err, rate, cfg.Step, cfg.SLO)
			if ctx.Err() != nil {
				st.Outcome = Incomplete
			}
		}
		if len(res.Steps) == 0 && run != nil && !run.Start.IsZero() {
			res.Start = run.Start
		}
		if st.Outcome == Incomplete {
			res.Interrupted = true
			if run != nil {
				res.Steps = append(res.Steps, st)
			}
			search.Record(Incomplete)
			break
		}
		stall, oneStall := "", false
		if st.Outcome == FailSLO && !repeated {
			stall, oneStall = singleStall(run, cfg.SLO)
		}
		switch {
		case st.Outcome == GeneratorLimit && !repeated:
			// Once more before blaming the generator.
			st.Outcome, repeated = Repeated, true
			st.Note = "run again: " + st.Note
		case oneStall:
			// Once more before failing the rate on one burst.
			st.Outcome, repeated = Repeated, true
			st.Note = "run again: " + stall
		default:
			repeated = false
		}
		res.Steps = append(res.Steps, st)
		if cfg.OnStep != nil {
			cfg.OnStep(st)
		}
		search.Record(st.Outcome)
	}
	res.Capacity, res.Bound = search.Bounds()
	res.Stop = search.Stop()
	if res.Interrupted {
		res.Stop = Interrupted
	}
	res.Generator = generatorOf(res)
	if runErr != nil {
		return res, runErr
	}
	if res.Interrupted {
		return res, ctx.Err()
	}
	return res, nil
}

// generatorOf sums up the generator over the steps: the settings of the
// last measured step, garbage collections summed, and the send lag of the
// step whose lag p99 was worst.
func generatorOf(res *Result) report.Generator {
	g := report.Generator{GOMAXPROCS: res.Env.GOMAXPROCS}
	var gc, pause int64
	for _, s := range res.Steps {
		if s.Run == nil || s.Run.Generator == nil {
			continue
		}
		lag := g.SendLag
		g = *s.Run.Generator
		gc, pause = gc+g.GCCycles, pause+g.GCPauseNs
		if lag != nil && (g.SendLag == nil || lag.P99 > g.SendLag.P99) {
			g.SendLag = lag
		}
	}
	g.GCCycles, g.GCPauseNs = gc, pause
	return g
}

// configMap echoes the settings into the result.
func (c *Config) configMap() map[string]any {
	m := map[string]any{
		"slo":         c.SLO.String(),
		"start":       c.Start,
		"max":         c.Max,
		"precision":   c.Precision,
		"growth":      c.Growth,
		"step_s":      c.Step.Seconds(),
		"warmup_s":    c.Warmup.Seconds(),
		"connections": c.Load.Conns,
		"window":      c.Load.Window, // 0: sized for each rate
		"mix":         c.Load.Mix.String(),
		"reply":       c.Load.Reply.String(),
	}
	return m
}
