package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// collect merges the workers' recorders and counters into one Run.
func collect(ctx context.Context, cfg LoadConfig, ws []*worker, base, startUnix time.Time) (*report.Run, error) {
	run := report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
	run.Config = cfg.configMap()
	run.TargetRate = cfg.Rate
	var first, last int64 = -1, 0
	var fatal []error
	var reconnects, gap, late, maxLag int64
	for _, w := range ws {
		if w.firstMeas > 0 && (first < 0 || w.firstMeas < first) {
			first = w.firstMeas
		}
		last = max(last, w.lastMeas)
	}
	if first < 0 {
		first = int64(cfg.Warmup)
	}
	last = max(last, first)
	for _, w := range ws {
		w.flushRun()
		w.rec.Finish(base.Add(time.Duration(last)))
		if err := run.AddRecorder(w.rec); err != nil {
			return nil, err
		}
		run.Sent += w.measSent
		run.Received += w.measRecv
		run.Errors += w.errors + w.lost
		run.WarmupSent += w.warmSent
		run.WarmupReceived += w.warmRecv
		reconnects += w.reconnects
		late += w.lateSends
		maxLag = max(maxLag, w.maxLag)
		gap += w.gapNanos
		cs := report.ConnStats{Conn: w.id, Sent: w.measSent, Received: w.measRecv, Errors: w.errors + w.lost}
		if d := time.Duration(w.lastMeas - w.firstMeas); d > 0 && w.firstMeas > 0 {
			cs.MsgsPerSec = float64(w.measRecv) / d.Seconds()
		}
		cs.P99Ns = w.rec.Histogram().ValueAtPercentile(99)
		run.PerConn = append(run.PerConn, cs)
		for _, e := range w.errSamples {
			if len(run.ErrorSamples) < 2*maxErrSamples {
				run.ErrorSamples = append(run.ErrorSamples, e)
			}
		}
		if w.fatal != nil {
			fatal = append(fatal, fmt.Errorf("conn %d: %w", w.id, w.fatal))
		}
	}
	run.Start = startUnix.Add(time.Duration(first))
	run.Elapsed = time.Duration(last - first)
	run.WarmupElapsed = time.Duration(first)
	run.BytesSent = run.Sent * wire.FrameLen
	run.BytesReceived = run.Received * wire.FrameLen
	run.Reconnects = reconnects
	run.ReconnectGap = time.Duration(gap)
	run.LateSends = late
	run.MaxSendLag = time.Duration(maxLag)
	if ctx.Err() != nil {
		run.Interrupted = true
		return run, ctx.Err()
	}
	if len(fatal) > 0 {
		return run, fmt.Errorf("%w: %w", ErrPeer, errors.Join(fatal...))
	}
	return run, nil
}

// configMap echoes the settings into the result.
func (cfg *LoadConfig) configMap() map[string]any {
	m := map[string]any{
		"conns":    cfg.Conns,
		"window":   cfg.Window,
		"count":    cfg.Count,
		"duration": cfg.Duration.String(),
		"rate":     cfg.Rate,
		"mix":      cfg.Mix.String(),
		"seed":     cfg.Seed,
		"expect":   cfg.Expect.String(),
	}
	if cfg.WarmupCount > 0 {
		m["warmup"] = cfg.WarmupCount
	} else {
		m["warmup"] = cfg.Warmup.String()
	}
	return m
}
