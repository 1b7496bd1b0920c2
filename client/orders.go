package client

import (
	"encoding/binary"

	"github.com/gigadex/gigadex/wire"
)

// orders is what a connection to an exchange peer knows of the Orders it
// sent: which are still live (acked or not, not fully filled, not
// cancelled), when each was sent, and which CancelOrder names which. It
// prices Orders so that a share of them cross the book, names live orders
// in CancelOrders, and turns Trades into order-to-fill latencies. It keeps
// the last len(e) Orders: an Order that many Orders old is forgotten (a
// Trade naming it is still counted, but its fill is not timed). Echo
// peers have no book, and their connections have no orders.
type orders struct {
	e     []order
	mask  uint64
	last  uint64 // sequence number + 1 of the newest Order; 0: none yet
	cross uint64 // share of Orders priced to cross, in percent
	key   uint64 // seeds the crossing choice
	walk  *[walkLen]uint64
}

// order is one Order sent.
type order struct {
	seq1     uint64 // its sequence number on the connection + 1; 0: an empty entry
	sentAt   int64  // ns since the run's base: intended in rate mode, actual otherwise
	left     uint64 // quantity not yet filled
	cancelBy uint64 // sequence number + 1 of the CancelOrder naming it; 0: none
	live     bool   // sent, not fully filled, not cancelled
	measured bool   // sent in the measured window
	timed    bool   // its first fill was timed
}

// walkLen is the number of steps of the mid-price walk, which then repeats.
const walkLen = 4096

// midPrice is where the walk starts: prices stay near it.
const midPrice = 100_000

// newOrders returns the order state of a connection whose window is
// window messages, crossing cross percent of its Orders, with the
// mid-price walk of seed (shared by every connection of a run, so that
// their Orders meet in one book).
func newOrders(window int, cross int, seed, key uint64) *orders {
	n := 4096
	for n < 4*window {
		n <<= 1
	}
	return &orders{e: make([]order, n), mask: uint64(n - 1), cross: uint64(cross), key: key, walk: priceWalk(seed)}
}

// priceWalk returns a seeded random walk of mid prices around midPrice,
// one step of -1, 0 or +1 tick at a time.
func priceWalk(seed uint64) *[walkLen]uint64 {
	w := new([walkLen]uint64)
	p := uint64(midPrice)
	for i := range w {
		switch splitmix(seed^uint64(i)*0x9e3779b97f4a7c15) % 3 {
		case 0:
			p--
		case 2:
			p++
		}
		w[i] = p
	}
	return w
}

// at returns the entry of Order seq, or nil when it is not one of the
// Orders kept.
func (o *orders) at(seq uint64) *order {
	e := &o.e[seq&o.mask]
	if e.seq1 != seq+1 {
		return nil
	}
	return e
}

// price returns the price of Order seq on side: the mid price of its
// place in the walk, with a buy below it and a sell above it (resting),
// or for the crossing share a buy above it and a sell below it, where the
// other side rests.
func (o *orders) price(seq uint64, side wire.Side) uint64 {
	mid := o.walk[(seq>>4)%walkLen]
	h := splitmix(o.key ^ seq)
	off := 1 + (h>>8)%4
	crosses := h%100 < o.cross
	if (side == wire.Buy) == crosses {
		return mid + off
	}
	return mid - off
}

// sendOrder writes Order seq's price into its frame f and starts tracking
// it, sent at t.
func (o *orders) sendOrder(f *[wire.FrameLen]byte, seq uint64, t int64, measured bool) {
	p := (*[wire.PayloadSize]byte)(f[wire.LengthPrefixSize:])
	side := wire.Side(p[wire.SideOffset])
	binary.LittleEndian.PutUint64(p[wire.Field2Offset:], o.price(seq, side))
	o.track(f, seq, t, measured)
}

// track starts tracking Order seq, whose frame is f, sent at t.
func (o *orders) track(f *[wire.FrameLen]byte, seq uint64, t int64, measured bool) {
	qty := binary.LittleEndian.Uint64(f[wire.LengthPrefixSize+wire.Field3Offset:])
	o.e[seq&o.mask] = order{seq1: seq + 1, sentAt: t, left: qty, live: true, measured: measured}
	o.last = seq + 1
}

// cancelBy notes that CancelOrder seq names Order target.
func (o *orders) cancelBy(target, seq uint64) {
	if e := o.at(target); e != nil {
		e.cancelBy = seq + 1
	}
}

// sendCancel makes CancelOrder seq name a live Order not already being
// cancelled, the newest of the last few, and returns that Order's sequence
// number; with none, the CancelOrder names itself (an id no Order has) and
// it returns seq.
func (o *orders) sendCancel(seq uint64) uint64 {
	for i := uint64(0); i < 64 && i < o.last; i++ {
		s := o.last - 1 - i
		if e := o.at(s); e != nil && e.live && e.cancelBy == 0 {
			e.cancelBy = seq + 1
			return s
		}
	}
	return seq
}

// cancelOf returns the sequence number of the CancelOrder that names
// Order seq, and false when none does.
func (o *orders) cancelOf(seq uint64) (uint64, bool) {
	if e := o.at(seq); e != nil && e.cancelBy != 0 {
		return e.cancelBy - 1, true
	}
	return 0, false
}

// forget ends every Order: the connection they were sent on is gone.
func (o *orders) forget() {
	for i := range o.e {
		o.e[i].live = false
	}
}

// cancelled ends Order seq, whose CancelOrder was acked.
func (o *orders) cancelled(seq uint64) {
	if e := o.at(seq); e != nil {
		e.live = false
	}
}

// trade applies a Trade of qty to Order seq. It returns the Order's send
// time and true when this is the Order's first fill and the Order was
// sent in the measured window: the fill to time.
func (o *orders) trade(seq, qty uint64) (int64, bool) {
	e := o.at(seq)
	if e == nil {
		return 0, false
	}
	e.left -= min(qty, e.left)
	if e.left == 0 {
		e.live = false
	}
	if e.timed {
		return 0, false
	}
	e.timed = true
	return e.sentAt, e.measured
}
