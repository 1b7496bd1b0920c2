package book

import (
	"fmt"
	"iter"

	"github.com/gigadex/gigadex/wire"
)

// DefaultMaxOrders is the number of resting orders a [Book] holds at most
// unless [WithMaxOrders] says otherwise.
const DefaultMaxOrders = 1_000_000

// Owner names who placed an order: the echo server gives each connection
// one with [Book.Join]. Ids are chosen by owners, so an order is known by
// its owner and its id together.
type Owner uint32

// Order is an order to submit: Quantity units at Price or better.
type Order struct {
	Owner    Owner
	ID       uint64
	Side     wire.Side
	Price    uint64
	Quantity uint64
}

// Fill is one match between a resting order (the maker) and an incoming
// one (the taker), at the maker's price. Maker and Taker may be the same
// owner (a self-trade).
type Fill struct {
	Maker, Taker     Owner
	MakerID, TakerID uint64
	Price            uint64
	Quantity         uint64
}

// Outcome says what became of an order's remainder once it had traded
// what crossed.
type Outcome uint8

const (
	// Done: nothing was left to rest (the order traded in full, or had
	// quantity 0).
	Done Outcome = iota
	// Rested: the remainder rests in the book.
	Rested
	// Full: the remainder was dropped because the book holds its maximum
	// of resting orders ([WithMaxOrders]).
	Full
	// Duplicate: the remainder was dropped because its owner has a live
	// resting order with the same id.
	Duplicate
)

// String returns "done", "rested", "full" or "duplicate".
func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Rested:
		return "rested"
	case Full:
		return "full"
	case Duplicate:
		return "duplicate"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Stats is a snapshot of a book's counters. Counts are totals since the
// book was made, except Resting and Levels, which are the state now.
type Stats struct {
	Orders         int64 // orders submitted
	Trades         int64 // fills (one per maker matched)
	Volume         int64 // quantity traded, summed over fills
	Cancels        int64 // cancels that removed a resting order
	UnknownCancels int64 // cancels naming no resting order (unknown, filled or cancelled)
	Departed       int64 // resting orders removed because their owner left
	Full           int64 // remainders dropped: the book was full
	Duplicates     int64 // remainders dropped: the owner's id was live
	Resting        int64 // orders resting now
	Levels         int64 // price levels now, both sides
}

// Level is one price level: the sum of its resting quantity and the number
// of orders.
type Level struct {
	Price    uint64
	Quantity uint64
	Orders   int
}

// Option configures a [Book]; pass options to [New].
type Option func(*Book)

// WithMaxOrders bounds the book to n resting orders (at least 1): past
// it, a new order still trades what crosses, but its remainder is dropped
// and counted ([Full]). Memory grows with the orders resting, up to the
// bound, and is kept for reuse. The default is [DefaultMaxOrders].
func WithMaxOrders(n int) Option { return func(b *Book) { b.maxOrders = max(n, 1) } }

// none is the null index of the order and level pools (slot 0 is unused).
const none = 0

// order is a resting order in the pool. prev/next link the orders of a
// level, oldest first; oprev/onext link the orders of an owner.
type order struct {
	id           uint64
	qty          uint64
	prev, next   uint32
	oprev, onext uint32
	level        uint32
	owner        Owner
	slot         uint32 // in the index
}

// level is a price level in the pool: a FIFO of orders.
type level struct {
	price      uint64
	qty        uint64
	head, tail uint32
	count      uint32
	side       wire.Side
}

// owner is the state of an owner: the head of its list of resting orders.
type owner struct {
	head   uint32
	joined bool
}

// Book is a price-time priority limit order book for one instrument. Not
// safe for concurrent use: the caller serializes calls (the echo server
// holds a lock for each batch of frames). In steady state, once its pools
// have grown to the orders resting, no method allocates.
type Book struct {
	maxOrders int

	orders    []order  // pool; orders[0] unused
	freeOrder uint32   // free list through order.next
	levels    []level  // pool; levels[0] unused
	freeLevel uint32   // free list through level.head
	bids      []uint32 // level indices, ascending price: best last
	asks      []uint32 // level indices, descending price: best last
	index     index    // (owner, id) -> order
	owners    []owner
	freeOwner []Owner

	stats Stats
}

// New returns an empty book configured by opts.
func New(opts ...Option) *Book {
	b := &Book{maxOrders: DefaultMaxOrders}
	for _, o := range opts {
		o(b)
	}
	b.orders = make([]order, 1, min(b.maxOrders+1, 1024))
	b.levels = make([]level, 1, 256)
	b.index.init(min(b.maxOrders, 1024))
	return b
}

// MaxOrders returns the book's bound on resting orders.
func (b *Book) MaxOrders() int { return b.maxOrders }

// Join returns a new owner, reusing the handle of one that left.
func (b *Book) Join() Owner {
	if n := len(b.freeOwner); n > 0 {
		o := b.freeOwner[n-1]
		b.freeOwner = b.freeOwner[:n-1]
		b.owners[o] = owner{joined: true}
		return o
	}
	b.owners = append(b.owners, owner{joined: true})
	return Owner(len(b.owners) - 1)
}

// Leave removes every resting order of o (cancel on disconnect), counts
// them in [Stats.Departed], and frees the handle for a later Join. It
// returns the number of orders removed.
func (b *Book) Leave(o Owner) int {
	b.mustJoin(o)
	n := 0
	for i := b.owners[o].head; i != none; i = b.owners[o].head {
		b.remove(i)
		n++
	}
	b.stats.Departed += int64(n)
	b.owners[o] = owner{}
	b.freeOwner = append(b.freeOwner, o)
	return n
}

func (b *Book) mustJoin(o Owner) {
	if int(o) >= len(b.owners) || !b.owners[o].joined {
		panic(fmt.Sprintf("book: owner %d has not joined", o))
	}
}

// Submit matches o against the other side of the book, best price first
// and, at one price, oldest first, at the resting order's price; it
// appends one [Fill] per resting order matched to fills and returns the
// extended slice. What is left then rests, unless the book is full or
// (checked second) the owner has a live order with the same id (see
// [Outcome]). It allocates
// only when fills lacks room or the book's pools grow. It panics if
// o.Owner has not joined.
func (b *Book) Submit(o Order, fills []Fill) ([]Fill, Outcome) {
	b.mustJoin(o.Owner)
	b.stats.Orders++
	qty := o.Quantity
	opp := &b.asks
	if o.Side == wire.Sell {
		opp = &b.bids
	}
	for qty > 0 && len(*opp) > 0 {
		li := (*opp)[len(*opp)-1]
		lv := &b.levels[li]
		if (o.Side == wire.Buy && lv.price > o.Price) || (o.Side == wire.Sell && lv.price < o.Price) {
			break
		}
		for qty > 0 && lv.head != none {
			mi := lv.head
			m := &b.orders[mi]
			q := min(qty, m.qty)
			fills = append(fills, Fill{Maker: m.owner, Taker: o.Owner, MakerID: m.id, TakerID: o.ID, Price: lv.price, Quantity: q})
			b.stats.Trades++
			b.stats.Volume += int64(q)
			qty -= q
			m.qty -= q
			lv.qty -= q
			if m.qty == 0 {
				b.remove(mi)
				if lv.count == 0 {
					break // remove freed the level
				}
			}
		}
	}
	if qty == 0 {
		return fills, Done
	}
	if int(b.stats.Resting) >= b.maxOrders {
		b.stats.Full++
		return fills, Full
	}
	b.index.reserve(b)
	pos, dup := b.index.probe(b, o.Owner, o.ID)
	if dup != none {
		b.stats.Duplicates++
		return fills, Duplicate
	}
	b.rest(o, qty, pos)
	return fills, Rested
}

// Cancel removes the resting order of owner o with this id and returns
// its remaining quantity; ok is false (and the cancel is counted as
// unknown) when o has no such order resting.
func (b *Book) Cancel(o Owner, id uint64) (remaining uint64, ok bool) {
	b.mustJoin(o)
	i := b.index.find(b, o, id)
	if i == none {
		b.stats.UnknownCancels++
		return 0, false
	}
	remaining = b.orders[i].qty
	b.stats.Cancels++
	b.remove(i)
	return remaining, true
}

// Lookup returns the resting order of owner o with this id, with its
// remaining quantity; ok is false when there is none.
func (b *Book) Lookup(o Owner, id uint64) (Order, bool) {
	i := b.index.find(b, o, id)
	if i == none {
		return Order{}, false
	}
	r := &b.orders[i]
	lv := &b.levels[r.level]
	return Order{Owner: o, ID: id, Side: lv.side, Price: lv.price, Quantity: r.qty}, true
}

// Best returns the best level of side s (the highest bid or the lowest
// ask); ok is false when that side is empty.
func (b *Book) Best(s wire.Side) (Level, bool) {
	ladder := b.ladder(s)
	if len(ladder) == 0 {
		return Level{}, false
	}
	lv := &b.levels[ladder[len(ladder)-1]]
	return Level{Price: lv.price, Quantity: lv.qty, Orders: int(lv.count)}, true
}

// Levels yields the levels of side s, best first. The book must not change
// during the iteration.
func (b *Book) Levels(s wire.Side) iter.Seq[Level] {
	return func(yield func(Level) bool) {
		ladder := b.ladder(s)
		for i := len(ladder) - 1; i >= 0; i-- {
			lv := &b.levels[ladder[i]]
			if !yield(Level{Price: lv.price, Quantity: lv.qty, Orders: int(lv.count)}) {
				return
			}
		}
	}
}

// Stats returns the book's counters: a copy of a few words, cheap enough
// to call on every scrape or stats tick.
func (b *Book) Stats() Stats { return b.stats }

func (b *Book) ladder(s wire.Side) []uint32 {
	if s == wire.Sell {
		return b.asks
	}
	return b.bids
}

// rest puts qty of o at the tail of its price level, making the level if
// need be, and into the index at slot pos.
func (b *Book) rest(o Order, qty uint64, pos uint64) {
	li := b.levelFor(o.Side, o.Price)
	i := b.newOrder()
	lv := &b.levels[li]
	ow := &b.owners[o.Owner]
	b.orders[i] = order{id: o.ID, qty: qty, prev: lv.tail, level: li, owner: o.Owner, onext: ow.head}
	if lv.tail != none {
		b.orders[lv.tail].next = i
	} else {
		lv.head = i
	}
	lv.tail = i
	lv.count++
	lv.qty += qty
	if ow.head != none {
		b.orders[ow.head].oprev = i
	}
	ow.head = i
	b.index.set(b, pos, o.Owner, o.ID, i)
	b.stats.Resting++
}

// remove unlinks resting order i from its level, its owner and the index,
// frees it, and frees its level if it was the last order there.
func (b *Book) remove(i uint32) {
	r := &b.orders[i]
	lv := &b.levels[r.level]
	if r.prev != none {
		b.orders[r.prev].next = r.next
	} else {
		lv.head = r.next
	}
	if r.next != none {
		b.orders[r.next].prev = r.prev
	} else {
		lv.tail = r.prev
	}
	lv.count--
	lv.qty -= r.qty
	if r.oprev != none {
		b.orders[r.oprev].onext = r.onext
	} else {
		b.owners[r.owner].head = r.onext
	}
	if r.onext != none {
		b.orders[r.onext].oprev = r.oprev
	}
	b.index.delete(b, uint64(r.slot))
	if lv.count == 0 {
		b.dropLevel(r.level)
	}
	*r = order{next: b.freeOrder}
	b.freeOrder = i
	b.stats.Resting--
}

func (b *Book) newOrder() uint32 {
	if i := b.freeOrder; i != none {
		b.freeOrder = b.orders[i].next
		return i
	}
	b.orders = append(b.orders, order{})
	return uint32(len(b.orders) - 1)
}

// search returns the position of price in ladder (ascending for bids,
// descending for asks) and whether a level of that price is there; when it
// is not, the position is where one would go.
func (b *Book) search(s wire.Side, ladder []uint32, price uint64) (int, bool) {
	lo, hi := 0, len(ladder)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		p := b.levels[ladder[mid]].price
		if (s == wire.Buy && p < price) || (s == wire.Sell && p > price) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(ladder) && b.levels[ladder[lo]].price == price
}

// levelFor returns the level of side s at price, making it if need be.
func (b *Book) levelFor(s wire.Side, price uint64) uint32 {
	ladder := &b.bids
	if s == wire.Sell {
		ladder = &b.asks
	}
	// Orders mostly rest at or near the best price: look there first.
	if n := len(*ladder); n > 0 && b.levels[(*ladder)[n-1]].price == price {
		return (*ladder)[n-1]
	}
	pos, found := b.search(s, *ladder, price)
	if found {
		return (*ladder)[pos]
	}
	li := b.freeLevel
	if li != none {
		b.freeLevel = b.levels[li].head
	} else {
		b.levels = append(b.levels, level{})
		li = uint32(len(b.levels) - 1)
	}
	b.levels[li] = level{price: price, side: s}
	*ladder = append(*ladder, 0)
	copy((*ladder)[pos+1:], (*ladder)[pos:])
	(*ladder)[pos] = li
	b.stats.Levels++
	return li
}

// dropLevel removes empty level li from its ladder and frees it.
func (b *Book) dropLevel(li uint32) {
	lv := &b.levels[li]
	ladder := &b.bids
	if lv.side == wire.Sell {
		ladder = &b.asks
	}
	n := len(*ladder)
	pos := n - 1
	if (*ladder)[pos] != li { // not the best level: find it
		pos, _ = b.search(lv.side, *ladder, lv.price)
	}
	copy((*ladder)[pos:], (*ladder)[pos+1:])
	*ladder = (*ladder)[:n-1]
	*lv = level{head: b.freeLevel}
	b.freeLevel = li
	b.stats.Levels--
}
