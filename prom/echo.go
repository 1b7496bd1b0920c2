package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// Echo collects the metrics of an echo server: it reads
// [echo.Server.Stats] once per scrape. The server must be made with
// [echo.WithDetailedStats] for gigadex_echo_messages_total and
// gigadex_echo_service_seconds to count anything. A server that keeps an
// order book ([wire.ReplyBook]) adds its figures (gigadex_echo_book_*). Register it with
// [Listen] or any [prometheus.Registerer].
type Echo struct {
	srv                                   *echo.Server
	conns, connsTotal, messages, bytes    *prometheus.Desc
	badFrames, refused, timeouts, service *prometheus.Desc
	book                                  *bookDescs // nil unless the server keeps a book
}

// bookDescs are the metrics of a server's order book (wire.ReplyBook).
type bookDescs struct {
	orders, trades, volume, cancels, unknown, departed, dropped, resting, levels *prometheus.Desc
}

// NewEcho returns the collector of srv's metrics, each with the constant
// labels (see [CheckLabels]).
func NewEcho(srv *echo.Server, labels prometheus.Labels) *Echo {
	d := func(name, help string, vars ...string) *prometheus.Desc {
		return prometheus.NewDesc("gigadex_echo_"+name, help, vars, labels)
	}
	e := &Echo{
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
	if srv.Reply() == wire.ReplyBook {
		e.book = &bookDescs{
			orders:   d("book_orders_total", "Orders submitted to the book."),
			trades:   d("book_trades_total", "Fills: one per resting order matched."),
			volume:   d("book_volume_total", "Quantity traded, summed over the fills."),
			cancels:  d("book_cancels_total", "Cancels that removed a resting order."),
			unknown:  d("book_unknown_cancels_total", "Cancels that named no resting order (unknown, filled or cancelled)."),
			departed: d("book_departed_total", "Resting orders removed because their owner's connection ended."),
			dropped:  d("book_dropped_total", "Order remainders dropped: the book was full (reason full), or the owner's id was live (reason duplicate).", "reason"),
			resting:  d("book_resting_orders", "Orders resting in the book now."),
			levels:   d("book_levels", "Price levels in the book now, both sides."),
		}
	}
	return e
}

// Describe sends the descriptors of the metrics.
func (e *Echo) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{e.conns, e.connsTotal, e.messages, e.bytes, e.badFrames, e.refused, e.timeouts, e.service} {
		ch <- d
	}
	if b := e.book; b != nil {
		for _, d := range []*prometheus.Desc{b.orders, b.trades, b.volume, b.cancels, b.unknown, b.departed, b.dropped, b.resting, b.levels} {
			ch <- d
		}
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
		counter(e.messages, n, wire.Kind(k).Label())
	}
	counter(e.bytes, st.BytesIn, "in")
	counter(e.bytes, st.BytesOut, "out")
	counter(e.badFrames, st.BadFrames)
	counter(e.refused, st.Refused)
	counter(e.timeouts, st.Timeouts)
	var b buckets
	b.addService(&st.Service)
	ch <- b.metric(e.service)
	if bd := e.book; bd != nil {
		bs := &st.Book
		counter(bd.orders, bs.Orders)
		counter(bd.trades, bs.Trades)
		counter(bd.volume, bs.Volume)
		counter(bd.cancels, bs.Cancels)
		counter(bd.unknown, bs.UnknownCancels)
		counter(bd.departed, bs.Departed)
		counter(bd.dropped, bs.Full, "full")
		counter(bd.dropped, bs.Duplicates, "duplicate")
		ch <- prometheus.MustNewConstMetric(bd.resting, prometheus.GaugeValue, float64(bs.Resting))
		ch <- prometheus.MustNewConstMetric(bd.levels, prometheus.GaugeValue, float64(bs.Levels))
	}
}
