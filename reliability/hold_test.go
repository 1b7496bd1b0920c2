package reliability_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// Environment of the holder process that keeps idle connections open: the
// test binary, run again with holdEnv set to the server's address and
// holdCountEnv to the number of connections.
const (
	holdEnv      = "GIGADEX_RELIABILITY_HOLD"
	holdCountEnv = "GIGADEX_RELIABILITY_HOLD_N"
	holdBurstEnv = "GIGADEX_RELIABILITY_HOLD_BURST" // bytes each connection echoes before it idles
)

// holdConns is the holder process's main: it opens the connections, makes
// one round trip on each so that the server has served it (or sends a
// burst of frames and reads their echo, with holdBurstEnv), prints
// "ready N" and holds them, idle, until its standard input closes. It
// returns the exit code.
func holdConns(addr string) int {
	n, err := strconv.Atoi(os.Getenv(holdCountEnv))
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "hold: bad %s: %q\n", holdCountEnv, os.Getenv(holdCountEnv))
		return 2
	}
	burst, _ := strconv.Atoi(os.Getenv(holdBurstEnv))
	burst = max(burst/wire.FrameLen, 1) * wire.FrameLen
	// Whatever happens, a holder never outlives its test by much.
	time.AfterFunc(3*time.Minute, func() { os.Exit(3) })
	conns := make([]net.Conn, n)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	const dialers = 16
	for d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2*burst)
			for i := d; i < n; i += dialers {
				c, err := holdOne(addr, uint64(i), buf)
				if err != nil {
					select {
					case errs <- fmt.Errorf("connection %d: %w", i, err):
					default:
					}
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		fmt.Fprintf(os.Stderr, "hold: %v\n", err)
		return 1
	default:
	}
	fmt.Printf("ready %d\n", n)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return 0
}

// holdOne dials addr, sends heartbeats to fill half of buf and reads
// their echo into the other half.
func holdOne(addr string, ts uint64, buf []byte) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	half := len(buf) / 2
	out := buf[:0]
	for len(out) < half {
		out = wire.AppendHeartbeat(out, ts)
	}
	in := buf[half:]
	if _, err = c.Write(out); err == nil {
		_, err = io.ReadFull(c, in)
	}
	if err == nil && !bytes.Equal(in, out) {
		err = fmt.Errorf("reply %x differs from request %x", in, out)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
