package client

import "github.com/gigadex/gigadex/internal/sock"

// IOMode says how a connection waits for data. It is one type with the
// echo server's IOMode: the same names, values and parsing.
type IOMode = sock.Mode

const (
	// IOAuto lets ChooseIOMode pick the mode for a run; for a single Conn
	// it is IOPoller.
	IOAuto = sock.Auto
	// IOPoller parks the receiving goroutine in Go's network poller, which
	// wakes it through epoll: any number of connections, a few microseconds
	// more per round trip, and the only mode that suits a peer in the same
	// process. On Linux, reads and writes are raw non-blocking system calls
	// that keep the thread's P (docs/performance-analysis.md).
	IOPoller = sock.Poller
	// IOBlocking reads a blocking socket with raw recvfrom(2) calls: the
	// kernel wakes the receiving thread directly, which keeps its P while
	// it waits. That brings the round-trip time close to a C client's, at
	// the cost of a P (one of GOMAXPROCS) per waiting connection: use it
	// for fewer connections than GOMAXPROCS. A waiting read wakes every 20
	// ms to check its deadline, and waits for a deadline closer than that
	// in ppoll(2).
	IOBlocking = sock.Blocking
	// IOBusyPoll spins on non-blocking reads: the lowest round-trip time,
	// a busy core per connection.
	IOBusyPoll = sock.BusyPoll
)

// ParseIOMode parses "auto", "poller", "blocking" or "busy-poll".
func ParseIOMode(s string) (IOMode, error) { return sock.ParseMode(s) }

// ChooseIOMode resolves mode for a run of conns connections in a process
// with procs Ps (GOMAXPROCS), whose peer is in the same process or not. A
// mode other than IOAuto is kept as it is. IOAuto becomes:
//
//   - IOPoller when the peer shares the process: its connections need Ps
//     too, and a blocking read keeps its P while it waits, so the two sides
//     would take turns at the runtime's 10 ms preemption instead of at each
//     message.
//   - IOBlocking when the connections are fewer than the Ps, or when a lone
//     connection has the only P (GOMAXPROCS=1, as when pinned to one CPU):
//     every waiting connection keeps a P, and one is left for the run's
//     other goroutines; with a single P, the runtime preempts the lone
//     connection at least every 10 ms, so the run's timers fire at most that
//     late. On one CPU shared with the peer, this takes the wakeups of the
//     runtime's other threads out of the round trip
//     (docs/performance-analysis.md).
//   - IOPoller otherwise: more connections than Ps would leave some without
//     a P to run on.
//
// IOBusyPoll is never chosen: it needs a core per connection to spare.
func ChooseIOMode(mode IOMode, conns, procs int, peerInProcess bool) IOMode {
	if mode != IOAuto {
		return mode
	}
	switch {
	case peerInProcess || conns <= 0 || procs <= 0:
		return IOPoller
	case conns < procs, conns == 1:
		return IOBlocking
	}
	return IOPoller
}
