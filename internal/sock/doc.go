// Package sock holds every raw system call of gigadex's client and echo
// server, and the transports built on them: one type per I/O mode, chosen
// once when a connection is dialled or accepted, behind the [IO]
// interface that both packages read, write and wait through.
//
// The modes ([Mode]):
//
//   - [Poller]: the socket stays non-blocking, as Go leaves it. Reads and
//     writes are raw non-blocking system calls that wait in Go's network
//     poller (through syscall.RawConn) only when the socket has nothing to
//     read or no room to write. Unlike a Go read or write, a raw call keeps
//     the thread's P, so a busy connection makes the runtime hand no P over
//     and wake no thread (docs/performance-analysis.md).
//   - [Blocking]: the socket is put in blocking mode and read with raw
//     recvfrom(2) calls that sleep in the kernel, which wakes the thread
//     directly: a round trip costs what it costs in C, at the price of a P
//     per waiting connection. SO_RCVTIMEO makes a blocked read return every
//     [Tick] to check the read deadline; a deadline closer than a tick is
//     waited for in ppoll(2).
//   - [BusyPoll]: non-blocking raw reads in a loop: the lowest round-trip
//     time, a busy core per connection.
//
// Writes never wait in the kernel: what the socket's buffer does not take
// is waited for in the poller, in every mode. Deadlines and Close work as
// for a net.Conn, and errors have net.Conn's form ([OpError]).
//
// The raw modes exist on Linux only. Elsewhere, and for a connection that
// is not a *net.TCPConn or *net.UnixConn itself (TLS, or a wrapper whose
// own Read and Write must run), [Open] returns the net.Conn's own Read and
// Write in Poller mode, whatever the mode asked.
//
// The client (package client) and the echo server (package echo) resolve
// [Auto] each in their own way, and give their users this package's Mode
// under the name IOMode.
package sock
