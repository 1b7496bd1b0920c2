// Package client is the gigadex-events channel over TCP (or TLS), the Go
// counterpart of the Rust crate's EventChannel, and the load drivers behind
// `gigadex ping` and `gigadex flood`.
//
// # The channel
//
// [Dial] connects ([NewConn] wraps a connection you made) and returns a
// [Conn]. [Sender.Send] buffers a frame, [Sender.Flush] writes the buffer in one
// call, [Sender.SendFlush] does both (lowest latency), [Receiver.Recv] returns the
// next frame as a [wire.View] that stays valid until the next Recv, and
// [Conn.Ping] measures one round trip with a Heartbeat. None of these
// allocate in steady state, and sending a batch of frames then flushing
// costs one write system call. The crate's calls map as follows:
//
//	EventChannel::connect / with_config   Dial(ctx, addr, options...)
//	send / send_flush / flush             Send / SendFlush / Flush
//	recv                                  Recv (a View; View.Message copies it out)
//	ping                                  Ping(ctx)
//	split_channel                         Split, then Sender.CloseWrite to half-close
//
// A Conn is not safe for concurrent use. [Conn.Split] hands out its two
// halves, a [Sender] and a [Receiver], which two goroutines may use at the
// same time (one goroutine each). [Sender.CloseWrite] flushes and ends the
// sending direction (over TLS too); the Receiver then reads the peer's
// remaining replies and io.EOF.
//
// For code that encodes and checks frames in place, as the load drivers
// do, the buffers have a small API of their own: [Sender.Reserve] lends the
// free end of the send buffer and [Sender.Commit] hands frames written there
// (with [wire.PutFrame]) over to Flush; [Receiver.Peek] shows the bytes
// received and not yet consumed and [Receiver.Consume] marks frames read.
//
// Sending validates: a message that no peer could decode (an Order whose
// side is neither Buy nor Sell, a nil message) is refused with the error a
// decoder would give, and nothing is written.
//
// # Errors
//
// Errors are of two kinds, told apart with errors.Is and errors.As.
//
// Final errors end the connection's stream; the Receiver returns the same
// error from then on, after the frames that arrived before it:
//   - io.EOF: the peer closed cleanly between frames (after
//     [Sender.CloseWrite], the normal end);
//   - io.ErrUnexpectedEOF: the peer closed inside a frame;
//   - a [*wire.FrameError] (wrapping [wire.ErrSide], [wire.ErrTag], ...): the
//     peer sent a malformed frame; its Offset counts from the start of the
//     stream;
//   - net.ErrClosed: the Conn was closed ([Conn.Close]); sends after
//     [Sender.CloseWrite] also return it;
//   - any other network error (a reset, say).
//
// Errors that leave the connection usable:
//   - timeouts, for which errors.Is(err, os.ErrDeadlineExceeded) holds: a
//     Recv past [WithRecvTimeout] (nothing is lost; Recv again), a Flush past
//     [WithSendTimeout] (the bytes not written stay buffered; Flush again);
//   - a Ping ended by its context: errors.Is(err, ctx.Err()) holds;
//   - a message refused by Send, SendFlush, SendFrame or Append: a
//     [*wire.FrameError] or [wire.ErrNotMessage], with nothing written;
//   - [ErrBacklog] from Ping: Recv the frames waiting, then ping again.
//
// # I/O modes and systems
//
// By default a Conn waits for data in Go's network poller, on every system.
// On Linux its reads and writes are then raw non-blocking system calls that
// wait in the poller only when the socket has nothing to read or no room:
// a Go read or write that lasts longer than a tick of the runtime's monitor
// (20 µs, which a large write on loopback often does) hands the thread's P
// to another thread, and raw calls keep it (docs/performance-analysis.md).
// [WithIOMode] chooses another mode ([IOMode]): [IOBlocking] reads a blocking
// socket with raw recvfrom(2) calls and [IOBusyPoll] spins on non-blocking
// reads (Linux only; elsewhere the connection uses the poller). Deadlines,
// timeouts and Ping's context apply in every mode. Deadlines are met as
// closely as the system's timers allow; a cancellation without a deadline
// is noticed within 20 ms, as a waiting read wakes every 20 ms to check
// (waking it from the context's goroutine would allocate on every Ping).
// Both keep the connection usable after a timeout or a cancelled Ping,
// where shutting the socket down to wake a blocked read would end it.
//
// # Buffer sizes
//
// A Conn has one receive and one send buffer, 64 KiB each by default
// ([wire.DefaultRecvBufferSize], [wire.DefaultSendBufferSize]), where the
// Rust crate uses 4096 bytes. The size does not change the round-trip time
// of a lone message, which fits either; it caps how many frames one system
// call moves when many are in flight: at most 78 per 4 KiB read, up to 1260
// per 64 KiB read. Measured on loopback against the in-process echo server
// (go test -run '^$' -bench Pipelined -benchmem -count=6 ./client, a shared
// 2-vCPU virtual machine, medians of 6 runs):
//
//	frames in flight   buffers   frames per read   messages/s
//	256                4096      65.2              3.37 M
//	256                64 KiB    254.9             5.39 M
//	4096 (a flood)     4096      76.7              4.34 M
//	4096 (a flood)     64 KiB    1177.0            7.00 M
//
// The larger buffers make 4 to 15 times fewer reads and carried 1.6 times
// the messages per second (single runs spread by up to 40% on that
// machine, so take the throughput as a trend and the reads per frame as
// the fact).
// The defaults favour floods; the memory is 128 KiB per connection.
// [WithReadBufferSize] and [WithWriteBufferSize] take any size down to
// [MinBufferSize] (one frame, 52 bytes), the crate's 4096 included.
//
// # Load drivers
//
// [Run] drives many connections, as [LoadConfig] describes (one message in
// flight per connection for ping, a window of them for flood, closed loop or
// at a fixed rate), and returns a [report.Run] with one HdrHistogram of
// round-trip times per connection, merged after the run. Every blocking call
// of a run has a deadline that the run's end and the context shorten: it
// ends on time whatever the peer or the network does.
package client
