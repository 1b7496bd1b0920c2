// Package echo is the server side of gigadex: a peer that answers every
// gigadex-events frame it receives, for measuring round trips and throughput
// with gigadex ping and flood, or with any other client of the protocol.
// Its API follows net/http: [NewServer], [Server.Serve], [Server.Shutdown],
// [ErrServerClosed]; [Start] runs one in-process on a loopback port.
//
// # Replies
//
// With [wire.ReplyEcho] (the default) every frame is sent back byte for byte.
// With [wire.ReplyExchange] an Order is answered with an OrderAck (the order's id
// and the server's clock in Unix nanoseconds), a CancelOrder with a
// CancelAck, and every other frame is sent back unchanged. The clock is read
// once per batch, so the frames of one batch share a timestamp.
//
// With [wire.ReplyBook] the server is a matching engine: one price-time
// priority limit order book (package book) shared by all connections, in
// which each connection's orders are known by their ids. An Order is
// acked as with ReplyExchange, then matched against the resting orders of
// the other side, best price first and oldest first, at the resting
// order's price; each match sends a Trade (maker and taker ids, price,
// quantity, the server's clock) to the maker's connection and to the
// taker's, once when they are the same; the remainder rests
// ([WithBookMaxOrders] bounds how many do). A CancelOrder is acked whether
// or not it named a resting order of that connection; a connection that
// closes has its resting orders removed. Heartbeats and every other frame
// are sent back unchanged. [Stats.Book] counts orders, trades, cancels and
// what rests. docs/book.md gives the rules in full.
//
// In every mode, [WithHeartbeat] sends each connection a Heartbeat every
// period, and [WithServiceTime] gives the server a known capacity: the
// replies to each message leave at max(its arrival, the previous
// message's departure) + d, across all connections.
//
// With a book, heartbeats or a service time, a connection's replies go
// through a queue of its own (others' Trades and the heartbeats join it),
// which the connection's goroutine writes after each batch and a second
// goroutine writes when something is queued while the first waits, or
// when a departure comes. Such connections use the network poller. The
// book is locked once per batch, not per message, and the queue of a
// client that stops reading is bounded (16 MiB: it is dropped past it).
//
// # How a connection is served
//
// Each connection has one goroutine and one buffer ([WithReadBufferSize],
// 64 KiB by default, reused from closed connections), and that buffer is
// all the memory it holds. The
// goroutine reads as much as the buffer takes (one system call), validates
// every whole frame in place with [wire.ParseFrame], turns the frames into
// their replies in place (every reply is a frame of the same size as its
// request; in echo mode nothing changes), and answers the whole batch with
// one write, straight from the buffer. An incomplete frame at the end of a
// batch, at most 51 bytes, is moved to the start of the buffer and completed
// by the next read. Nothing is allocated per message or per batch, and no
// clock is read per batch in echo mode: the idle and write timeouts are
// enforced by deadlines that are renewed a quarter of the timeout (at most
// a second) at a time. A connection reads into a 512-byte buffer while its
// traffic is light, takes a large one from a pool when a read fills the
// small one, and gives it back when reads become light again or within two
// seconds of going quiet: an idle connection holds no large buffer.
//
// Under load a batch holds many frames, so the cost of the system calls is
// shared among them; a lone message (ping-pong) costs one read and one
// write. The kernel's TCP_NODELAY is on (Go's default), so small replies go
// out at once.
//
// # Bad input and slow clients
//
// A malformed frame (bad tag, bad side, a length prefix other than 48, a
// zero or oversized prefix) or a stream that ends inside a frame closes that
// connection only, after the replies to the valid frames before it have been
// written. The server logs one line naming the peer and the fault, such as
//
//	echo: 127.0.0.1:53422: wire: frame at byte 1040: field side: invalid value 7 (invalid side); closing
//
// and counts it in [Stats.BadFrames]. A client that sends nothing for the
// idle timeout, or stops reading its replies for the write timeout, is
// dropped and counted in [Stats.Timeouts]. Past [WithMaxConns] connections,
// a new one waits up to 100 ms for a slot, then is closed and counted in
// [Stats.Refused].
//
// # TLS
//
// With [WithTLS], a connection first completes its TLS handshake, under a
// deadline of its own ([WithHandshakeTimeout], 10 s by default); the idle
// timeout starts once the handshake is done, so a client may take its time
// to begin it. A handshake that fails or times out closes that connection,
// is counted in [Stats.HandshakeFailures] and is logged, at most one line
// per peer address every ten seconds; the failures in between are summed up
// in one line when the ten seconds end (and at shutdown):
//
//	echo: 127.0.0.1:53422: TLS handshake failed: tls: first record does not look like a TLS handshake (a client without TLS?); closing
//	echo: 127.0.0.1: 41 more failed TLS handshakes not logged (latest: no TLS handshake within 10s)
//
// A TLS write cut short by a deadline cannot be resumed, so on TLS
// connections each batch of replies must be written within the write
// timeout.
//
// # Timeouts do not spin
//
// Timeouts below [MinTimeout] (1 ms) are raised to it. A read that reports
// its deadline before the deadline has passed (an error that a reader
// keeps returning) closes the connection, so no connection's loop can spin
// on an error that does not change.
//
// Package wire, below this one, encodes and validates the frames.
package echo
