package table_test

import (
	"fmt"
	"os"
	"time"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/table"
)

// exampleRun returns a one-second closed-loop run whose 1000 RTTs are
// 1 µs, 2 µs, ... 1000 µs.
func exampleRun() *report.Run {
	r := &report.Run{
		Schema:        report.Schema,
		Command:       "ping",
		Addr:          "127.0.0.1:7000",
		Connections:   1,
		Elapsed:       time.Second,
		Sent:          1000,
		Received:      1000,
		BytesSent:     52000,
		BytesReceived: 52000,
		RTT:           report.NewHistogram(),
		Env:           report.Env{GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2, OS: "linux", Arch: "amd64"},
	}
	for i := int64(1); i <= 1000; i++ {
		_ = r.RTT.RecordValue(i * 1000)
	}
	return r
}

func ExampleWrite() {
	if err := table.Write(os.Stdout, exampleRun()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ping 127.0.0.1:7000: 1 connection, closed loop
	//
	// +----------+-------+
	// | rtt (µs) | value |
	// +----------+-------+
	// | p50      | 500.2 |
	// | p90      | 900.1 |
	// | p99      | 990.2 |
	// | p99.9    | 999.4 |
	// | p99.99   |  1000 |
	// | max      |  1000 |
	// | mean     | 500.5 |
	// | stddev   | 288.7 |
	// +----------+-------+
	//
	// +--------------------+---------------------------------------+
	// | metric             | value                                 |
	// +--------------------+---------------------------------------+
	// | throughput         |                        1.000 k msgs/s |
	// | bandwidth received |                            52.00 kB/s |
	// | sent               |                   1000 msgs, 52.00 kB |
	// | received           |                   1000 msgs, 52.00 kB |
	// | errors             |                                     0 |
	// | measured window    |                               1.000 s |
	// | warmup             | 0.000 s, 0 msgs sent, 0 msgs received |
	// +--------------------+---------------------------------------+
	//
	// env: go1.26.8 GOMAXPROCS=2 CPUs=2 linux/amd64
}
