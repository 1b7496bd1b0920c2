package wire

import "fmt"

// Reply says how a gigadex-events peer answers each frame it receives. The
// echo server answers that way and the load drivers check replies against
// it, so both sides name the mode with this one type.
type Reply int

const (
	// ReplyEcho sends every frame back unchanged, byte for byte (padding
	// included).
	ReplyEcho Reply = iota
	// ReplyExchange answers like a matching engine's gateway: an Order gets
	// an OrderAck carrying the order's id and the server's clock (Unix ns),
	// a CancelOrder gets a CancelAck with the same id, and every other frame
	// (Heartbeat, Trade, OrderAck, CancelAck) is sent back unchanged.
	ReplyExchange
	// ReplyBook is a peer with a real order book (gigadex echo --reply
	// book): it answers as ReplyExchange does and also sends Trades, to
	// the maker's and the taker's connections, when orders match. A
	// client checks its replies as for ReplyExchange, with Trades as
	// unsolicited messages.
	ReplyBook
)

// String returns "echo", "exchange" or "book".
func (r Reply) String() string {
	switch r {
	case ReplyEcho:
		return "echo"
	case ReplyExchange:
		return "exchange"
	case ReplyBook:
		return "book"
	}
	return fmt.Sprintf("Reply(%d)", int(r))
}

// ParseReply parses "echo", "exchange" or "book".
func ParseReply(s string) (Reply, error) {
	switch s {
	case "echo":
		return ReplyEcho, nil
	case "exchange":
		return ReplyExchange, nil
	case "book":
		return ReplyBook, nil
	}
	return 0, fmt.Errorf("wire: unknown reply mode %q (want echo, exchange or book)", s)
}
