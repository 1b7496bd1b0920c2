// Package prom serves the live figures of gigadex's echo server and load
// drivers to Prometheus, with prometheus/client_golang. The library
// packages (wire, client, echo) know nothing of Prometheus: an echo server
// keeps its counters in memory of its own connections ([echo.Server.Stats]
// with [echo.WithDetailedStats]), and a load run publishes its counts to a
// [client.Observer]. The collectors here read those at scrape time, so
// that the hot paths take no lock and allocate nothing per message.
//
// [Echo] collects a server's metrics (gigadex_echo_*), [Load] those of
// runs of [client.Run] (gigadex_sent_total and the rest), and [Listen]
// serves a registry of them on /metrics in the text format that
// `promtool check metrics` accepts. docs/metrics.md lists every metric.
//
// Latencies are histograms in seconds with the same buckets everywhere:
// 1 µs, 2 µs, 4 µs … 2^22 µs (about 4.2 s), then +Inf, so that an echo's
// service time and a driver's round-trip time can be compared in one
// chart. Round-trip times come from the drivers' HdrHistograms one second
// at a time, so a bucket's count is exact to the HdrHistogram's precision
// (3 significant digits).
package prom
