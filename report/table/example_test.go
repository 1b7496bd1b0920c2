package table_test

import (
	"fmt"
	"os"

	"github.com/gigadex/gigadex/report/internal/fixture"
	"github.com/gigadex/gigadex/report/table"
)

func ExampleWrite() {
	if err := table.Write(os.Stdout, fixture.Linear()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ping 127.0.0.1:7000: 1 connection, closed loop
	//
	// +--------+----------+
	// | rtt    | value    |
	// +--------+----------+
	// | p50    | 500.2 µs |
	// | p90    | 900.1 µs |
	// | p99    | 990.2 µs |
	// | p99.9  | 999.4 µs |
	// | p99.99 | 1.000 ms |
	// | max    | 1.000 ms |
	// | mean   | 500.5 µs |
	// | stddev | 288.7 µs |
	// +--------+----------+
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
