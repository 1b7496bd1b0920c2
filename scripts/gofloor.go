//go:build ignore

// gofloor is the floor of a Go flood: what a Go program moves over loopback
// when it does no work per message. Its clients keep window whole Heartbeat
// frames in flight per connection and write back as many frames as they
// read, with no framing checks, no reply matching, no clocks and no
// histograms; its echo writes back whatever it reads. Against the same
// peers, their rates next to the Rust peer's and gigadex's tell which part
// of a gap is the I/O model's and which is gigadex's own work
// (docs/performance-analysis.md).
//
//	go run scripts/gofloor.go ADDR CONNS WINDOW SECONDS [goroutine|epoll|epoll-net]
//	go run scripts/gofloor.go echo ADDR [goroutine|epoll]
//
// The client prints msgs_per_sec=N, frames echoed per second over SECONDS
// after a 0.5 s warmup. Its modes:
//
//   - goroutine (the default): a goroutine per connection on Go's network
//     poller, as gigadex flood and gigadex echo run;
//   - epoll: an event loop per P (GOMAXPROCS of them), each over its own
//     level-triggered epoll(7) set, with raw non-blocking read(2) and
//     write(2): no goroutine parks or wakes per batch, and no read finds
//     nothing (EAGAIN), as a tokio or mio client runs;
//   - epoll-net: the same event loops over connections dialled with
//     net.Dial, whose descriptors stay in Go's poller too: what an event
//     loop under a library whose connections are net.Conns (as gigadex's
//     client.Conn) would get. A ticker, as a run's progress line has,
//     keeps a timer pending, so that an idle thread waits in Go's poller,
//     as it would in gigadex.
//
// The echo reads up to 64 KiB and writes it back, as scripts/rawpump.c's
// echo does with a thread per connection, and prints "listening on
// HOST:PORT". It serves a goroutine per connection on Go's poller
// (goroutine, the default) or, with epoll, the connections it accepts
// spread over an event loop per P as the epoll client's are.
package main

import (
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const frameLen = 52 // a 4-byte length prefix and a 48-byte payload

func main() {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		if len(os.Args) != 3 && len(os.Args) != 4 {
			usage()
		}
		switch mode := append(os.Args[3:], "goroutine")[0]; mode {
		case "goroutine":
			echo(os.Args[2])
		case "epoll":
			echoLoops(os.Args[2])
		default:
			usage()
		}
		return
	}
	if len(os.Args) != 5 && len(os.Args) != 6 {
		usage()
	}
	addr := os.Args[1]
	conns, err1 := strconv.Atoi(os.Args[2])
	window, err2 := strconv.Atoi(os.Args[3])
	secs, err3 := strconv.ParseFloat(os.Args[4], 64)
	if err1 != nil || err2 != nil || err3 != nil || conns < 1 || window < 1 || !(secs > 0) || math.IsInf(secs, 0) {
		fmt.Fprintln(os.Stderr, "gofloor: CONNS and WINDOW must be positive integers, SECONDS a positive number")
		os.Exit(2)
	}
	mode := "goroutine"
	if len(os.Args) == 6 {
		mode = os.Args[5]
	}
	f := &flood{window: window, out: frames(window)}
	switch mode {
	case "goroutine":
		f.goroutines(addr, conns, time.Duration((secs+1)*float64(time.Second)))
	case "epoll":
		f.loops(addr, conns)
	case "epoll-net":
		f.viaNet = true
		f.loops(addr, conns)
	default:
		usage()
	}
	time.Sleep(500 * time.Millisecond)
	f.measuring.Store(true)
	t0 := time.Now()
	time.Sleep(time.Duration(secs * float64(time.Second)))
	n := f.received.Load()
	f.stop.Store(true)
	if n == 0 {
		// A floor that moved nothing measured nothing: not a rate of 0.
		fmt.Fprintln(os.Stderr, "gofloor: no replies in the measured window (did the peer close the connections?)")
		os.Exit(1)
	}
	fmt.Printf("msgs_per_sec=%.0f\n", float64(n)/frameLen/time.Since(t0).Seconds())
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run scripts/gofloor.go ADDR CONNS WINDOW SECONDS [goroutine|epoll|epoll-net]\n       go run scripts/gofloor.go echo ADDR [goroutine|epoll]")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gofloor:", err)
	os.Exit(1)
}

// frames returns n zero Heartbeat frames.
func frames(n int) []byte {
	out := make([]byte, n*frameLen)
	for i := range n {
		out[i*frameLen] = 48 // length 48, then a zero Heartbeat
	}
	return out
}

// flood is what a client's connections share.
type flood struct {
	window    int
	out       []byte       // window frames: what a connection writes
	received  atomic.Int64 // bytes read in the measured window
	measuring atomic.Bool
	stop      atomic.Bool
	viaNet    bool       // epoll-net: the loops' connections are net.Conns
	nets      []net.Conn // epoll-net: kept open for the run
}

// goroutines starts a goroutine per connection on Go's poller, each
// stopping after run from when they all start.
func (f *flood) goroutines(addr string, conns int, run time.Duration) {
	var start sync.WaitGroup
	var end time.Time // set before start is done
	start.Add(1)
	for range conns {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fail(err)
		}
		go func() {
			defer c.Close()
			in := make([]byte, 64<<10)
			start.Wait()
			c.SetDeadline(end)
			if _, err := c.Write(f.out); err != nil {
				return
			}
			partial := 0 // bytes of a frame read in part
			for {
				n, err := c.Read(in)
				if err != nil {
					return
				}
				if f.measuring.Load() {
					f.received.Add(int64(n))
				}
				partial += n
				whole := partial / frameLen
				partial -= whole * frameLen
				if _, err := c.Write(f.out[:whole*frameLen]); err != nil {
					return
				}
			}
		}()
	}
	end = time.Now().Add(run)
	start.Done()
}

// loopConn is a connection of an event loop.
type loopConn struct {
	fd      int
	partial int  // bytes of a frame read in part
	owe     int  // bytes read and not yet written back
	out     bool // registered for EPOLLOUT too
}

// loops starts an event loop per P, the connections spread over them.
func (f *flood) loops(addr string, conns int) {
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		fail(fmt.Errorf("the epoll client takes an IPv4 address: %w", err))
	}
	sa := &unix.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	n := runtime.GOMAXPROCS(0)
	eps := make([]int, n)
	owned := make([][]*loopConn, n)
	for i := range eps {
		if eps[i], err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
			fail(err)
		}
	}
	for i := range conns {
		fd := f.dial(sa, addr)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		unix.SetNonblock(fd, true)
		l := i % n
		owned[l] = append(owned[l], &loopConn{fd: fd})
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err := unix.EpollCtl(eps[l], unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			fail(err)
		}
	}
	big := frames(64<<10/frameLen + f.window) // what any read may owe
	for l := range n {
		go f.loop(eps[l], owned[l], big)
	}
	if f.viaNet {
		go func() {
			for range time.Tick(100 * time.Millisecond) {
			}
		}()
	}
}

// dial connects a socket for an event loop: a raw one, or with epoll-net
// one of net.Dial's, left registered with Go's poller.
func (f *flood) dial(sa *unix.SockaddrInet4, addr string) int {
	if f.viaNet {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fail(err)
		}
		f.nets = append(f.nets, c)
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			fail(err)
		}
		fd := -1
		rc.Control(func(u uintptr) { fd = int(u) })
		return fd
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fail(err)
	}
	if err := unix.Connect(fd, sa); err != nil {
		fail(err)
	}
	return fd
}

// loop serves the connections of one epoll set until the run stops.
func (f *flood) loop(ep int, owned []*loopConn, big []byte) {
	byFd := make(map[int32]*loopConn, len(owned))
	for _, c := range owned {
		byFd[int32(c.fd)] = c
		c.owe = len(f.out)
		f.write(ep, c, big)
	}
	in := make([]byte, 64<<10)
	evs := make([]unix.EpollEvent, 256)
	for !f.stop.Load() {
		n, err := unix.EpollWait(ep, evs, 100)
		if err != nil {
			continue // EINTR
		}
		for _, ev := range evs[:n] {
			c := byFd[ev.Fd]
			if ev.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
				k, err := unix.Read(c.fd, in)
				if err == nil && k == 0 || err != nil && err != unix.EAGAIN {
					unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, c.fd, nil)
					unix.Close(c.fd)
					continue
				}
				if k > 0 {
					if f.measuring.Load() {
						f.received.Add(int64(k))
					}
					c.partial += k
					whole := c.partial / frameLen
					c.partial -= whole * frameLen
					c.owe += whole * frameLen
				}
			}
			f.write(ep, c, big)
		}
	}
}

// write writes back what c owes, and asks for EPOLLOUT while some is left.
func (f *flood) write(ep int, c *loopConn, big []byte) {
	if c.owe > 0 {
		if k, err := unix.Write(c.fd, big[:c.owe]); err == nil {
			c.owe -= k
		}
	}
	if (c.owe > 0) == c.out {
		return
	}
	c.out = c.owe > 0
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.fd)}
	if c.out {
		ev.Events |= unix.EPOLLOUT
	}
	unix.EpollCtl(ep, unix.EPOLL_CTL_MOD, c.fd, &ev)
}

// echo serves a goroutine per connection that writes back what it reads.
func echo(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail(err)
	}
	fmt.Println("listening on", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			fail(err)
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
	}
}

// echoLoops serves the connections it accepts with an event loop per P.
func echoLoops(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fail(err)
	}
	fmt.Println("listening on", ln.Addr())
	n := runtime.GOMAXPROCS(0)
	loops := make([]*echoLoop, n)
	for i := range loops {
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			fail(err)
		}
		loops[i] = &echoLoop{ep: ep, conns: map[int32]*echoConn{}}
		go loops[i].run()
	}
	for i := 0; ; i++ {
		c, err := ln.Accept()
		if err != nil {
			fail(err)
		}
		// The loop owns a copy of the descriptor, non-blocking and
		// outside Go's poller (closing c took the original out of it).
		f, err := c.(*net.TCPConn).File()
		c.Close()
		if err != nil {
			fail(err)
		}
		fd, err := unix.Dup(int(f.Fd()))
		f.Close()
		if err != nil {
			fail(err)
		}
		unix.SetNonblock(fd, true)
		loops[i%n].add(fd)
	}
}

// echoLoop is one event loop of the echo.
type echoLoop struct {
	ep    int
	mu    sync.Mutex // guards conns against add
	conns map[int32]*echoConn
}

// echoConn is a connection of the echo's loop: what it read and has not
// written back yet.
type echoConn struct {
	fd       int
	buf      []byte
	from, to int
	out      bool // registered for EPOLLOUT too
}

func (l *echoLoop) add(fd int) {
	l.mu.Lock()
	l.conns[int32(fd)] = &echoConn{fd: fd, buf: make([]byte, 64<<10)}
	l.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		fail(err)
	}
}

func (l *echoLoop) run() {
	evs := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(l.ep, evs, -1)
		if err != nil {
			continue // EINTR
		}
		l.mu.Lock()
		for _, ev := range evs[:n] {
			c := l.conns[ev.Fd]
			if c.to == c.from {
				k, err := unix.Read(c.fd, c.buf)
				if err == nil && k == 0 || err != nil && err != unix.EAGAIN {
					unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, c.fd, nil)
					unix.Close(c.fd)
					delete(l.conns, ev.Fd)
					continue
				}
				c.from, c.to = 0, max(k, 0)
			}
			if c.to > c.from {
				if k, err := unix.Write(c.fd, c.buf[c.from:c.to]); err == nil {
					c.from += k
				}
			}
			// Read no more until what was read is written back.
			if out := c.to > c.from; out != c.out {
				c.out = out
				ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.fd)}
				if out {
					ev.Events = unix.EPOLLOUT
				}
				unix.EpollCtl(l.ep, unix.EPOLL_CTL_MOD, c.fd, &ev)
			}
		}
		l.mu.Unlock()
	}
}
