package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/prom"
)

// metricsOptions are --metrics-addr and, for the drivers, --metrics-linger.
type metricsOptions struct {
	addr   string
	linger time.Duration
}

// maxMetricsLinger is the longest --metrics-linger.
const maxMetricsLinger = 10 * time.Minute

func (o *metricsOptions) addrFlag() *cli.GenericFlag {
	return valueFlag(&o.addr, "metrics-addr", func(s string) (string, error) { return s, checkListenAddr(s) }, nil,
		"serve Prometheus metrics on http://`HOST:PORT`/metrics while the command runs (port 0 picks a free one; see docs/metrics.md)")
}

// flags binds the flags of a load driver.
func (o *metricsOptions) flags() []cli.Flag {
	return []cli.Flag{
		o.addrFlag(),
		durFlag(&o.linger, nil, "metrics-linger", nil, rangeOf[time.Duration]{min: time.Millisecond, max: maxMetricsLinger, zeroMeans: "none"},
			"with --metrics-addr, after the run keep serving /metrics until a scrape has read the final values, at most this long"),
	}
}

// check refuses tags that cannot be Prometheus labels, if metrics are on.
func (o *metricsOptions) check(tags map[string]string) error {
	if o.addr == "" {
		return nil
	}
	if err := prom.CheckLabels(tags); err != nil {
		return usagef("--tag with --metrics-addr: %v", err)
	}
	return nil
}

// noteWriter is where a command's notes go: stderr, or nowhere if quiet.
func noteWriter(c *cli.Context, quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return c.App.ErrWriter
}

// metricsServer is the metrics server of a command, or nil when it has
// no --metrics-addr.
type metricsServer struct {
	*prom.Server
	linger time.Duration
}

// start serves the collectors on --metrics-addr, if given, and says where
// on w (nil: nowhere). A failure to listen is a runtime error (exit 1).
func (o *metricsOptions) start(ctx context.Context, w io.Writer, cmd string, cs ...prometheus.Collector) (*metricsServer, error) {
	if o.addr == "" {
		return nil, nil
	}
	s, err := prom.Listen(ctx, o.addr, cs...)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: --metrics-addr %s: %v", cmd, o.addr, err), exitRunError)
	}
	if w != nil {
		fmt.Fprintf(w, "%s: metrics on %s\n", cmd, s.URL())
	}
	return &metricsServer{Server: s, linger: o.linger}, nil
}

// stop waits, with --metrics-linger, for a scrape of the final values
// (an interrupt ends the wait), then closes the server.
func (m *metricsServer) stop(ctx context.Context) {
	if m == nil {
		return
	}
	if m.linger > 0 {
		m.AwaitScrape(ctx, m.linger)
	}
	m.Close()
}
