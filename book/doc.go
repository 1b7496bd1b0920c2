// Package book is a price-time priority limit order book for one
// instrument: the matching engine behind gigadex echo --reply book, usable
// on its own.
//
// Orders are known by their [Owner] (a connection, say) and their id
// together, since ids are chosen by clients. [Book.Submit] matches an
// incoming order against the resting orders of the other side: best price
// first (the lowest ask for a buy, the highest bid for a sell), and at one
// price, oldest first. Each resting order matched gives one [Fill] at the
// resting order's price (the maker's), for the quantity both have left.
// Matching stops when the order is filled or the best opposite price is
// worse than its limit; the remainder then rests at the tail of its price
// level. A self-trade (maker and taker of the same owner) trades like any
// other. The remainder is dropped, and counted, when the book already
// holds its maximum of resting orders ([WithMaxOrders]) or when the owner
// already has a resting order with that id: see [Outcome]. After every
// call the book is not crossed: the best bid is below the best ask.
//
// [Book.Cancel] removes an owner's resting order; a cancel naming none
// (never sent, already filled or cancelled) is counted in
// [Stats.UnknownCancels]. [Book.Leave] removes all of an owner's resting
// orders, for cancel on disconnect.
//
// # Cost
//
// Orders and price levels live in pools (slices of structs, reused through
// free lists) and are linked by index: each level is a FIFO of orders, each
// owner a list of its orders, and each side a slice of level indices sorted
// by price with the best level last. An open-addressing hash table finds an
// order by (owner, id). Matching against the best level, resting at it,
// and cancelling cost a few tens of nanoseconds each and allocate nothing
// once the pools have grown to the orders resting (BenchmarkSubmit); a
// new price level away from the best costs a binary search and a copy of
// the levels better than it. Memory grows with the resting orders, never
// beyond [WithMaxOrders] of them, and is kept for reuse.
//
// A Book is not safe for concurrent use; its caller serializes calls.
package book
