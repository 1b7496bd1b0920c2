// Package report turns RTT measurements into results: HDR histograms
// turned into JSON, HdrHistogram logs and percentile spectra, merges and
// baseline comparisons. Package report/table prints them as tables,
// package report/plot draws them and package report/html writes them as a
// self-contained web page.
//
// # Model
//
// A [Run] is the result of one ping or flood run: counters, the settings it
// ran with, and HdrHistogram histograms of round-trip times. Every histogram
// records int64 nanoseconds from [LowestNs] (1 ns) to [HighestNs] (60 s)
// with [SigFigs] (3) significant digits; [NewHistogram] makes one. In
// rate-limited mode Run.RTT is measured from the intended send time, which
// corrects for coordinated omission, and Run.Uncorrected from the actual send
// time. Run.Intervals holds a sparse histogram
// ([hdrhistogram.PackedHistogram], a few kilobytes) per message type (tag)
// per second, so a run of hours stays small; JSON and interval logs encode
// it exactly as they encode a dense histogram.
//
// # Recording
//
// Each connection records into its own [Recorder] from a single goroutine:
// [Recorder.Record] adds one value to the sparse histogram of the current
// second of its tag, takes no lock and does not allocate once the second's
// histogram has grown. Once per second the recorder closes the finished
// second, which costs what the second recorded, and publishes it, so that a progress printer in another goroutine can call
// [LastSecond] across all recorders. After the run, [Run.AddRecorder] merges
// each recorder into the Run. Values outside the histogram range are clamped
// into it, never dropped.
//
// # Output
//
//   - [WriteJSON] and [ReadJSON]: the result document (schema [Schema]),
//     with histograms in HdrHistogram's V2 compressed base64 encoding.
//   - [WritePercentiles]: the .hgrm percentile spectrum that HdrHistogram's
//     plotter reads, identical to what Java's HistogramLogProcessor prints.
//   - [WriteHistogramLog], [LogStream] and [ReadHistogramLog]: HdrHistogram
//     interval logs (format 1.3), written at the end or while the run goes,
//     with an untagged stream of all message types and one tagged stream
//     per message type, readable by Java's HistogramLogProcessor.
//   - [WriteSecondsCSV] and [WriteSpectrumCSV]: per-second RTTs and the
//     percentile spectrum as CSV.
//   - [WriteJUnit]: checks ([ThresholdSuite], [ComparisonSuite]) as JUnit
//     XML for CI servers.
//
// # Summaries shared with package capacity
//
// A result is summarised here, once, for the CLI and for package capacity
// alike: the latency summary of a histogram ([Summary], the "latency_ns"
// of both JSON documents), the steps of a spectrum ([Spectrum]) and of each
// second ([SummarizeSeconds], [Untagged]), JSON's float seconds
// ([Seconds], [Milliseconds]), the generator's cost ([Generator], also the
// generator section of a capacity search), when a generator fell short of
// its target ([ShortRate], [Short]) or behind its schedule ([LateSend],
// [LateShare]), and the one warning that says so ([GeneratorWarning]).
//
// # Combining and comparing
//
// [Merge] combines runs measured at the same time by several load
// generators; [MergeIntervals] and [FromIntervals] do the same for interval
// logs. [Compare] checks a run against a baseline with per-metric [Limits]
// and an absolute latency floor, and [CheckThresholds] checks absolute
// bounds such as "p99<50us". All three name metrics through [ParseMetric]:
// any percentile (p50, p99.999), max, mean, msgs_per_sec, bytes_per_sec,
// errors and error_rate.
//
// Package report depends only on the standard library and hdrhistogram-go,
// so that the load drivers in package client, which produce its Runs, stay
// light to import; the gigadex command prints and compares them.
package report
