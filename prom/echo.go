package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// Echo collects the metrics of an echo server: it reads
// [echo.Server.Stats] once per scrape. The server must be made with
// [echo.WithDetailedStats] for gigadex_echo_messages_total and
// gigadex_echo_service_seconds to count anything. Register it with
// [Listen] or any [prometheus.Registerer].
type Echo struct {
	srv                                   *echo.Server
	conns, connsTotal, messages, bytes    *prometheus.Desc
	badFrames, refused, timeouts, service *prometheus.Desc
}

// NewEcho returns the collector of srv's metrics, each with the constant
// labels (see [CheckLabels]).
func NewEcho(srv *echo.Server, labels prometheus.Labels) *Echo {
	d := func(name, help string, vars ...string) *prometheus.Desc {
		return prometheus.NewDesc("gigadex_echo_"+name, help, vars, labels)
	}
	return &Echo{
		srv:        srv,
		conns:      d("connections", "Connections open now."),
		connsTotal: d("connections_total", "Connections accepted and served (refused ones excluded)."),
		messages:   d("messages_total", "Valid frames received, by message type.", "type"),
		bytes:      d("bytes_total", "Bytes read (direction in) and written (direction out).", "direction"),
		badFrames:  d("bad_frames_total", "Connections closed on a malformed or truncated frame."),
		refused:    d("refused_total", "Connections closed at once because the connection limit was reached."),
		timeouts:   d("timeouts_total", "Connections dropped by the idle or the write timeout."),
		service: d("service_seconds",
			"The server's service time per batch of frames: from the read that returned the batch to the end of the write of its replies."),
	}
}

// Describe sends the descriptors of the metrics.
func (e *Echo) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{e.conns, e.connsTotal, e.messages, e.bytes, e.badFrames, e.refused, e.timeouts, e.service} {
		ch <- d
	}
}

// Collect reads the server's counters and sends them as metrics.
func (e *Echo) Collect(ch chan<- prometheus.Metric) {
	st := e.srv.Stats()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	ch <- prometheus.MustNewConstMetric(e.conns, prometheus.GaugeValue, float64(st.Active))
	counter(e.connsTotal, st.Connections)
	for k, n := range st.Kinds {
		counter(e.messages, n, client.TagName(wire.Kind(k)))
	}
	counter(e.bytes, st.BytesIn, "in")
	counter(e.bytes, st.BytesOut, "out")
	counter(e.badFrames, st.BadFrames)
	counter(e.refused, st.Refused)
	counter(e.timeouts, st.Timeouts)
	var b buckets
	b.addService(&st.Service)
	ch <- b.metric(e.service)
}
