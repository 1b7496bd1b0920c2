package prom

import (
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/wire"
)

// Load collects the metrics of the load runs it observes: set it as the
// [client.LoadConfig.Observer] of every run (a capacity search makes one
// run per step). Counters add up over the runs; gigadex_connections is
// that of the run going on (0 between runs), gigadex_target_rate that of
// the latest run. It reads the run's counts once per scrape and folds
// each connection's round-trip times once a second. A Load is safe for
// concurrent use.
type Load struct {
	sent, recv, errors, unsol, rtt, fill, rate, conns *prometheus.Desc

	mu    sync.Mutex
	done  client.LiveCounts // sums of the finished runs
	cur   *client.Live      // the run going on; nil between runs
	rttb  buckets
	fillb buckets
}

var _ client.Observer = (*Load)(nil)

// NewLoad returns a collector whose metrics carry the constant labels
// (see [CheckLabels]).
func NewLoad(labels prometheus.Labels) *Load {
	d := func(name, help string, vars ...string) *prometheus.Desc {
		return prometheus.NewDesc("gigadex_"+name, help, vars, labels)
	}
	return &Load{
		sent:   d("sent_total", "Messages sent, by message type, warmup included.", "type"),
		recv:   d("received_total", "Replies to messages in flight received, by message type, warmup included.", "type"),
		errors: d("errors_total", "Errors: failed connections, wrong and lost replies, as the result's errors."),
		unsol:  d("unsolicited_total", "Trades and Heartbeats the peer sent on its own, by message type, warmup included.", "type"),
		rtt: d("rtt_seconds",
			"Round-trip times of the measured window (from the intended send time at a set rate), folded in once a second per connection."),
		fill: d("fill_latency_seconds",
			"Order-to-fill latencies of the measured window: from an Order's send to its first Trade, folded in once a second per connection."),
		rate:  d("target_rate", "The rate asked for, in messages per second; 0 in closed loop."),
		conns: d("connections", "Connections open now."),
	}
}

// Started begins following a run.
func (l *Load) Started(r *client.Live) {
	l.mu.Lock()
	l.cur = r
	l.done.TargetRate = r.Read().TargetRate
	l.mu.Unlock()
}

// Second folds in a second of a connection's round-trip times and
// order-to-fill latencies.
func (l *Load) Second(rtt, fill *hdrhistogram.PackedHistogram) {
	l.mu.Lock()
	l.rttb.addHDR(rtt)
	if fill != nil {
		l.fillb.addHDR(fill)
	}
	l.mu.Unlock()
}

// Finished adds a run's final counts to the totals.
func (l *Load) Finished(r *client.Live) {
	c := r.Read()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == r {
		l.cur = nil
	}
	for k := range c.Sent {
		l.done.Sent[k] += c.Sent[k]
		l.done.Received[k] += c.Received[k]
		l.done.Unsolicited[k] += c.Unsolicited[k]
	}
	l.done.Errors += c.Errors
}

// Describe sends the descriptors of the metrics.
func (l *Load) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{l.sent, l.recv, l.errors, l.unsol, l.rtt, l.fill, l.rate, l.conns} {
		ch <- d
	}
}

// Collect sends the metrics: the finished runs' totals plus the current
// run's counts.
func (l *Load) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	c, rtt, fill := l.done, l.rttb, l.fillb
	cur := l.cur
	l.mu.Unlock()
	c.Connections = 0
	if cur != nil {
		n := cur.Read()
		for k := range c.Sent {
			c.Sent[k] += n.Sent[k]
			c.Received[k] += n.Received[k]
			c.Unsolicited[k] += n.Unsolicited[k]
		}
		c.Errors += n.Errors
		c.Connections = n.Connections
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for k := range c.Sent {
		name := wire.Kind(k).Label()
		counter(l.sent, c.Sent[k], name)
		counter(l.recv, c.Received[k], name)
		counter(l.unsol, c.Unsolicited[k], name)
	}
	counter(l.errors, c.Errors)
	ch <- prometheus.MustNewConstMetric(l.rate, prometheus.GaugeValue, c.TargetRate)
	ch <- prometheus.MustNewConstMetric(l.conns, prometheus.GaugeValue, float64(c.Connections))
	ch <- rtt.metric(l.rtt)
	ch <- fill.metric(l.fill)
}
