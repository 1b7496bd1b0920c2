package reliability_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// countWriter counts the lines a logger writes, and keeps the first few.
type countWriter struct {
	n     atomic.Int64
	mu    sync.Mutex
	first []string
}

func (w *countWriter) Write(p []byte) (int, error) {
	if w.n.Add(1) <= 3 {
		w.mu.Lock()
		w.first = append(w.first, string(p))
		w.mu.Unlock()
	}
	return len(p), nil
}

// abortMode is one way for a client to die in the middle of a flood.
type abortMode int

const (
	resetAfterFrames abortMode = iota // send frames, never read, reset (SO_LINGER 0)
	resetMidFrame                     // send frames and half a frame, reset
	closeMidFrame                     // send frames and half a frame, read the replies, close (FIN)
	resetAtOnce                       // reset before sending anything
	numAbortModes
)

// TestClientAbortsFreeEverything connects, sends and aborts 10,000 times
// (1,000 with -short) in four ways, eight clients at a time, against one
// in-process server. Afterwards the server's goroutines, the process's file
// descriptors and Stats.Active must come back to where they were (within a
// slack of 2 goroutines and 2 descriptors, waiting up to 10 s), and every
// connection closed inside a frame must be counted as a bad frame.
func TestClientAbortsFreeEverything(t *testing.T) {
	cycles := 10_000
	if testing.Short() {
		cycles = 1_000
	}
	const (
		workers = 8
		slack   = 2
	)
	logs := &countWriter{}
	srv := startServer(t, echo.WithLogger(log.New(logs, "", 0)))
	// Warm up: the first connections create the poller and its goroutines.
	for range 4 {
		c := dialRaw(t, srv.addr)
		c.Close()
	}
	if !waitFor(5*time.Second, func() bool { return srv.Stats().Active == 0 }) {
		t.Fatal("warm-up connections still open")
	}
	runtime.GC()
	startG, startFD := runtime.NumGoroutine(), openFDs(t)

	frames := mixedFrames(20)
	var next atomic.Int64
	var failed atomic.Int64
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(cycles) {
					return
				}
				if err := abortOnce(srv.addr, abortMode(i%int64(numAbortModes)), frames); err != nil {
					failed.Add(1)
					select {
					case errs <- fmt.Errorf("cycle %d: %w", i, err):
					default:
					}
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	select {
	case err := <-errs:
		t.Fatalf("%d cycles failed; first: %v", failed.Load(), err)
	default:
	}

	var g, fds int
	var st echo.Stats
	back := waitFor(10*time.Second, func() bool {
		st = srv.Stats()
		g, fds = runtime.NumGoroutine(), openFDs(t)
		return st.Active == 0 && g <= startG+slack && fds <= startFD+slack
	})
	if !back {
		t.Errorf("after %d aborted clients: goroutines %d (start %d), open files %d (start %d), active connections %d; want them back within %d",
			cycles, g, startG, fds, startFD, st.Active, slack)
	}
	if st.Connections < int64(cycles) || st.Refused != 0 || st.Timeouts != 0 {
		t.Errorf("stats %+v: want %d connections served, none refused or timed out", st, cycles)
	}
	midFrameCloses := int64(cycles / int(numAbortModes))
	if cycles%int(numAbortModes) > int(closeMidFrame) {
		midFrameCloses++
	}
	if st.BadFrames != midFrameCloses || logs.n.Load() != midFrameCloses {
		t.Errorf("bad frames %d, log lines %d (first %q), want one of each per close inside a frame (%d)",
			st.BadFrames, logs.n.Load(), logs.first, midFrameCloses)
	}
	t.Logf("%d cycles in %v (%.0f/s); goroutines %d -> %d, open files %d -> %d; stats %+v",
		cycles, took.Round(time.Millisecond), float64(cycles)/took.Seconds(), startG, g, startFD, fds, st)
}

// abortOnce connects, sends what mode says and aborts the connection.
func abortOnce(addr string, mode abortMode, frames []byte) error {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	c := nc.(*net.TCPConn)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var out []byte
	switch mode {
	case resetAfterFrames:
		out = frames
	case resetMidFrame, closeMidFrame:
		out = frames[:len(frames)-wire.FrameLen/2]
	}
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			return err
		}
	}
	if mode == closeMidFrame {
		// Read the replies first: unread data would turn the FIN into
		// a reset, which the server need not report.
		if _, err := io.ReadFull(c, make([]byte, len(out)/wire.FrameLen*wire.FrameLen)); err != nil {
			return err
		}
	} else {
		c.SetLinger(0) // Close sends a reset
	}
	return c.Close()
}
