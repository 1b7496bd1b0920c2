package client

import (
	"github.com/gigadex/gigadex/wire"
)

// slot is one entry of a connection's ring of messages in flight.
type slot struct {
	batch    uint32 // the send batch it went out in: see ring.sentAt
	pending  bool
	measured bool // sent inside the measured window
	kind     wire.Kind
}

// ring holds a connection's messages in flight, indexed by sequence number
// modulo its size (a power of two at least the window), and matches each
// reply with its request. Of the messages sent, the last len(slots) are
// the ones the slots hold.
type ring struct {
	slots []slot
	mask  uint64
	// sentAt holds the send time of each batch (ns since the run's base),
	// indexed by batch number modulo its size: every message of a batch is
	// written at once, and no more batches than messages can be in flight.
	sentAt  []int64
	batches uint32 // number of the next batch
	// intended holds, in rate mode, when each message was due (ns since
	// the run's base), indexed like slots.
	intended []int64
}

func newRing(window int) ring {
	n := 1
	for n < window {
		n <<= 1
	}
	return ring{slots: make([]slot, n), mask: uint64(n - 1), sentAt: make([]int64, n)}
}

// actual returns when message sl was written.
func (r *ring) actual(sl *slot) int64 { return r.sentAt[uint64(sl.batch)&r.mask] }

// at returns the slot of message seq.
func (r *ring) at(seq uint64) *slot { return &r.slots[seq&r.mask] }

// match finds the request that reply v answers among the messages in flight
// (sequence numbers below sent): message seq, the one v names. It marks it
// answered and reports whether v is the right answer to it under mode. It
// returns nil when v answers none of them (an unexpected or duplicated
// reply), and also when v is a Trade or a Heartbeat that cannot answer
// message seq (a Trade naming an Order, a peer's own Heartbeat): those
// are the peer's unsolicited messages.
func (r *ring) match(v wire.View, seq, sent uint64, mode wire.Reply) (sl *slot, ok bool) {
	sl = r.at(seq)
	if !r.holds(seq, sent) || !sl.pending {
		return nil, false
	}
	k := v.Kind()
	if unsolicitedKind(k) && k != sl.kind {
		return nil, false
	}
	sl.pending = false
	return sl, checkReply(v, sl.kind, requestSeq(v), mode)
}

// unsolicitedKind reports whether a message of kind k that answers nothing
// in flight is one a peer sends on its own (a Trade, a Heartbeat) rather
// than a wrong reply.
func unsolicitedKind(k wire.Kind) bool { return k == wire.KindTrade || k == wire.KindHeartbeat }

// holds reports whether message seq is among the last len(slots) of sent
// messages: those whose slots are not yet reused.
func (r *ring) holds(seq, sent uint64) bool { return seq < sent && sent-seq <= r.mask+1 }

// clear forgets every message in flight, after a reconnection.
func (r *ring) clear() {
	for i := range r.slots {
		r.slots[i].pending = false
	}
}

// requestSeq returns the id of the request that reply v answers: the
// drivers put a message's id (the connection's id base plus its sequence
// number) in its first field (see appendMessage), and both an echo and an
// acknowledgement keep it there.
func requestSeq(v wire.View) uint64 { return v.FirstField() }

// checkReply reports whether v is the right answer to message seq of kind k.
func checkReply(v wire.View, k wire.Kind, seq uint64, mode wire.Reply) bool {
	if mode != wire.ReplyEcho {
		switch k {
		case wire.KindOrder:
			a, ok := v.OrderAck()
			return ok && a.ID() == seq
		case wire.KindCancelOrder:
			a, ok := v.CancelAck()
			return ok && a.ID() == seq
		}
	}
	return isEcho(v, k, seq)
}

// isEcho reports whether v is message seq of kind k, sent back unchanged
// (padding aside). It reads the fields in place instead of encoding the
// expected message.
func isEcho(v wire.View, k wire.Kind, seq uint64) bool {
	if v.Kind() != k || requestSeq(v) != seq {
		return false
	}
	switch k {
	case wire.KindOrder:
		o, _ := v.Order()
		want := orderFor(seq)
		return o.Price() == want.Price && o.Quantity() == want.Quantity && o.Side() == want.Side
	case wire.KindOrderAck:
		a, _ := v.OrderAck()
		return a.Timestamp() == seq
	case wire.KindTrade:
		t, _ := v.Trade()
		want := tradeFor(seq)
		return t.TakerID() == want.TakerID && t.Price() == want.Price && t.Quantity() == want.Quantity && t.Timestamp() == want.Timestamp
	}
	return true // the other variants have seq as their only field
}

// describe renders a frame for an error sample; it allocates.
func describe(v wire.View) string {
	return string(wire.AppendJSON(nil, v.Message()))
}
