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
)

// String returns "echo" or "exchange".
func (r Reply) String() string {
	switch r {
	case ReplyEcho:
		return "echo"
	case ReplyExchange:
		return "exchange"
	}
	return fmt.Sprintf("Reply(%d)", int(r))
}

// ParseReply parses "echo" or "exchange".
func ParseReply(s string) (Reply, error) {
	switch s {
	case "echo":
		return ReplyEcho, nil
	case "exchange":
		return ReplyExchange, nil
	}
	return 0, fmt.Errorf("wire: unknown reply mode %q (want echo or exchange)", s)
}
