package benchpeers

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ansiEscape matches the colour escapes sockperf puts around some lines.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

var (
	sockperfPercentile = regexp.MustCompile(`percentile\s+([0-9.]+)\s*=\s*([0-9.]+)`)
	sockperfTotal      = regexp.MustCompile(`Total (\d+) observations`)
	sockperfRate       = regexp.MustCompile(`Message Rate is (\d+)`)
)

// ParseSockperf returns the figures in sockperf 3.7's output: from
// ping-pong, the p50, p99 and p99.9 RTT in µs (as printed with --full-rtt)
// and the observation count; from throughput, the message rate.
func ParseSockperf(out string) Metrics {
	m := Metrics{}
	out = ansiEscape.ReplaceAllString(out, "")
	for _, p := range sockperfPercentile.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(p[2], 64)
		if err != nil {
			continue
		}
		switch p[1] {
		case "50.000":
			m[P50] = v
		case "99.000":
			m[P99] = v
		case "99.900":
			m[P999] = v
		}
	}
	if t := sockperfTotal.FindStringSubmatch(out); t != nil {
		v, _ := strconv.ParseFloat(t[1], 64)
		m[Count] = v
	}
	if t := sockperfRate.FindStringSubmatch(out); t != nil {
		v, _ := strconv.ParseFloat(t[1], 64)
		m[Rate] = v
	}
	return m
}

// KeyValues returns the numeric key=value fields of line; other words are
// skipped.
func KeyValues(line string) map[string]float64 {
	kv := map[string]float64{}
	for _, w := range strings.Fields(line) {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			kv[k] = f
		}
	}
	return kv
}

// ParseRustPeer returns the figures in rust-peer's output: from ping
// ("rtt_ns count=N p50=.. p99=.. p99_9=.."), the percentiles in µs and the
// count; from flood ("msgs_per_sec=N ..."), the rate.
func ParseRustPeer(out string) Metrics {
	m := Metrics{}
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "rtt_ns "):
			kv := KeyValues(line)
			for _, q := range []string{P50, P99, P999} {
				if v, ok := kv[q]; ok {
					m[q] = v / 1e3
				}
			}
			if v, ok := kv["count"]; ok {
				m[Count] = v
			}
		case strings.HasPrefix(line, "msgs_per_sec="):
			if v, ok := KeyValues(line)["msgs_per_sec"]; ok {
				m[Rate] = v
			}
		}
	}
	return m
}

// Bench is one line of go test -bench output.
type Bench struct {
	Pkg  string             // last element of the package path ("wire")
	Name string             // without "Benchmark" and the -GOMAXPROCS suffix
	Vals map[string]float64 // by unit: "ns/op", "B/op", "allocs/op", "msgs/s", ...
}

// ParseGoBench reads go test -bench output (several packages, several
// counts). Lines other than "pkg:" and benchmark results are skipped.
func ParseGoBench(rd io.Reader) ([]Bench, error) {
	var out []Bench
	pkg := ""
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "pkg:" {
			pkg = f[1][strings.LastIndex(f[1], "/")+1:]
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line (e.g. a log line starting with the name)
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		b := Bench{Pkg: pkg, Name: name, Vals: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", f[0], f[i], err)
			}
			b.Vals[f[i+1]] = v
		}
		out = append(out, b)
	}
	return out, sc.Err()
}

// BenchMedian returns the median of unit over the runs of pkg's benchmark
// name, and false when there is none.
func BenchMedian(bs []Bench, pkg, name, unit string) (float64, bool) {
	var v []float64
	for _, b := range bs {
		if b.Pkg == pkg && b.Name == name {
			if x, ok := b.Vals[unit]; ok {
				v = append(v, x)
			}
		}
	}
	return Median(v)
}
