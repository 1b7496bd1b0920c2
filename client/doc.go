// Package client is the gigadex-events TCP channel and the load drivers
// behind `gigadex ping` and `gigadex flood`.
//
// A [Conn] sends and receives frames over one TCP connection: [Conn.Send]
// buffers a frame, [Conn.Flush] writes the buffer in one call, [Conn.SendFlush]
// does both (lowest latency), [Conn.Recv] returns the next frame as a
// [wire.View] that stays valid until the next Recv, and [Conn.Ping] measures
// one round trip with a Heartbeat. None of these allocate in steady state,
// and sending a batch of frames then flushing costs one write system call.
//
// A Conn is not safe for concurrent use. [Conn.Split] hands out its two
// halves, a [Sender] and a [Receiver], which two goroutines may use at the
// same time (one goroutine each), like the original crate's split_channel.
//
// [Run] drives many connections, as [LoadConfig] describes (one message in
// flight per connection for ping, a window of them for flood, closed loop or
// at a fixed rate), and returns a [report.Run] with one HdrHistogram of
// round-trip times per connection, merged after the run. Every blocking call
// of a run has a deadline that the run's end and the context shorten: it
// ends on time whatever the peer or the network does.
package client
