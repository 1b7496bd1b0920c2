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
	// +-----------------+----------+
	// | metric          | value    |
	// +-----------------+----------+
	// | rtt p50 (µs)    |  500.223 |
	// | rtt p90 (µs)    |  900.095 |
	// | rtt p99 (µs)    |  990.207 |
	// | rtt p99.9 (µs)  |  999.423 |
	// | rtt p99.99 (µs) | 1000.447 |
	// | rtt max (µs)    | 1000.447 |
	// | rtt mean (µs)   |  500.505 |
	// | rtt stddev (µs) |  288.676 |
	// +-----------------+----------+
	//
	// +-----------------------------+---------------------------------------+
	// | metric                      | value                                 |
	// +-----------------------------+---------------------------------------+
	// | throughput                  |                         1000.0 msgs/s |
	// | bandwidth received          |                           52000.0 B/s |
	// | sent                        |                    1000 msgs, 52000 B |
	// | received                    |                    1000 msgs, 52000 B |
	// | errors                      |                              0 errors |
	// | measured window             |                               1.000 s |
	// | warmup                      | 0.000 s, 0 msgs sent, 0 msgs received |
	// | rate achieved (closed loop) |                         1000.0 msgs/s |
	// +-----------------------------+---------------------------------------+
	//
	// env: go1.26.8 GOMAXPROCS=2 CPUs=2 linux/amd64
}
