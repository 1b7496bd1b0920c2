//go:build ignore

// gofloor is the floor of a Go flood client: a goroutine per connection on
// Go's network poller, as gigadex flood runs, keeping window whole
// Heartbeat frames in flight per connection and writing back as many
// frames as it read, with no framing checks, no reply matching, no clocks
// and no histograms. Against the same echo, its rate next to the Rust
// client's tells whether the goroutine-per-connection model or gigadex's
// own work sets gigadex flood's pace (docs/performance-analysis.md).
//
//	go run scripts/gofloor.go ADDR CONNS WINDOW SECONDS
//
// It prints msgs_per_sec=N, frames echoed per second over SECONDS after a
// 0.5 s warmup.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const frameLen = 52 // a 4-byte length prefix and a 48-byte payload

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/gofloor.go ADDR CONNS WINDOW SECONDS")
		os.Exit(2)
	}
	addr := os.Args[1]
	conns, err1 := strconv.Atoi(os.Args[2])
	window, err2 := strconv.Atoi(os.Args[3])
	secs, err3 := strconv.ParseFloat(os.Args[4], 64)
	if err1 != nil || err2 != nil || err3 != nil || conns < 1 || window < 1 || secs <= 0 {
		fmt.Fprintln(os.Stderr, "gofloor: CONNS and WINDOW must be positive integers, SECONDS a positive number")
		os.Exit(2)
	}
	var received atomic.Int64 // bytes read in the measured window
	var measuring atomic.Bool
	var stop atomic.Int64 // UnixNano when the connections stop
	var start sync.WaitGroup
	start.Add(1)
	for range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gofloor:", err)
			os.Exit(1)
		}
		go func() {
			defer c.Close()
			out := make([]byte, window*frameLen)
			for i := range window {
				out[i*frameLen] = 48 // length 48, then a zero Heartbeat
			}
			in := make([]byte, 64<<10)
			start.Wait()
			c.SetDeadline(time.Unix(0, stop.Load()))
			if _, err := c.Write(out); err != nil {
				return
			}
			partial := 0 // bytes of a frame read in part
			for {
				n, err := c.Read(in)
				if err != nil {
					return
				}
				if measuring.Load() {
					received.Add(int64(n))
				}
				partial += n
				whole := partial / frameLen
				partial -= whole * frameLen
				if _, err := c.Write(out[:whole*frameLen]); err != nil {
					return
				}
			}
		}()
	}
	stop.Store(time.Now().Add(time.Duration((secs + 1) * float64(time.Second))).UnixNano())
	start.Done()
	time.Sleep(500 * time.Millisecond)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(time.Duration(secs * float64(time.Second)))
	n := received.Load()
	fmt.Printf("msgs_per_sec=%.0f\n", float64(n)/frameLen/time.Since(t0).Seconds())
}
