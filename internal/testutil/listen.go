package testutil

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Listen starts a loopback TCP listener that hands each connection it
// accepts to serve, in a goroutine of its own, and returns its address and
// the count of connections accepted so far. When t ends the listener and
// every accepted connection are closed and Listen waits for the serve
// calls to return, so serve must return once its connection is closed.
func Listen(t testing.TB, serve func(net.Conn)) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serve(c) })
		}
	})
	return ln.Addr().String(), accepted
}
