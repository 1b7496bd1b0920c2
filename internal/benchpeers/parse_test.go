package benchpeers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSockperf(t *testing.T) {
	tests := []struct {
		file string
		want Metrics
	}{
		// sockperf 3.7 output, colour escapes and all
		{"sockperf-ping-pong.txt", Metrics{P50: 32.631, P99: 93.887, P999: 166.555, Count: 16961}},
		{"sockperf-throughput.txt", Metrics{Rate: 311428}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := ParseSockperf(string(b))
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
	if got := ParseSockperf("sockperf: ERROR: connect failed\n"); len(got) != 0 {
		t.Errorf("an error message gave figures: %v", got)
	}
}

func TestParseRustPeer(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want Metrics
	}{
		{"ping", "rtt_ns count=60000 p50=21000 p90=25000 p99=40500 p99_9=80000 max=900000\n", Metrics{P50: 21, P99: 40.5, P999: 80, Count: 60000}},
		{"flood", "msgs_per_sec=5123456 received=10246912 conns=4 window=1024 seconds=2.000\n", Metrics{Rate: 5123456}},
		{"error", "rust-peer ping: Connection refused (os error 111)\n", Metrics{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseRustPeer(tt.out)
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/gigadex/gigadex/wire
cpu: Some CPU
BenchmarkAppendOrder-2   	100000000	        10.50 ns/op	       0 B/op	       0 allocs/op
BenchmarkAppendOrder-2   	100000000	        11.50 ns/op	       0 B/op	       0 allocs/op
BenchmarkAppendOrder-2   	100000000	        30.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkDecoderFeed/chunk-64-2 	   5000	    250000 ns/op	 262.1 MB/s	 5000000 msgs/s	       0 B/op	       0 allocs/op
BenchmarkNoisy logged a line
PASS
pkg: github.com/gigadex/gigadex/client
BenchmarkConnPing 	   20000	     45000 ns/op	     32 B/op	       1 allocs/op
`
	bs, err := ParseGoBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 5 {
		t.Fatalf("got %d results, want 5: %+v", len(bs), bs)
	}
	tests := []struct {
		pkg, name, unit string
		want            float64
	}{
		{"wire", "AppendOrder", "ns/op", 11.5}, // median of three
		{"wire", "DecoderFeed/chunk-64", "msgs/s", 5e6},
		{"wire", "DecoderFeed/chunk-64", "MB/s", 262.1},
		{"client", "ConnPing", "ns/op", 45000}, // no -GOMAXPROCS suffix
		{"client", "ConnPing", "allocs/op", 1},
	}
	for _, tt := range tests {
		if got, ok := BenchMedian(bs, tt.pkg, tt.name, tt.unit); !ok || got != tt.want {
			t.Errorf("%s %s %s = %v (%v), want %v", tt.pkg, tt.name, tt.unit, got, ok, tt.want)
		}
	}
	if _, ok := BenchMedian(bs, "echo", "AppendOrder", "ns/op"); ok {
		t.Error("a benchmark was found in the wrong package")
	}
}
