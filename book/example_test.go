package book_test

import (
	"fmt"

	"github.com/gigadex/gigadex/book"
	"github.com/gigadex/gigadex/wire"
)

func Example() {
	b := book.New(book.WithMaxOrders(1000))
	alice, bob := b.Join(), b.Join()

	// Two sells rest; a buy crosses both, best price first, each at the
	// resting order's price, and its remainder rests.
	b.Submit(book.Order{Owner: alice, ID: 1, Side: wire.Sell, Price: 101, Quantity: 5}, nil)
	b.Submit(book.Order{Owner: alice, ID: 2, Side: wire.Sell, Price: 100, Quantity: 5}, nil)
	fills, outcome := b.Submit(book.Order{Owner: bob, ID: 1, Side: wire.Buy, Price: 101, Quantity: 12}, nil)
	for _, f := range fills {
		fmt.Printf("maker %d/%d taker %d/%d: %d at %d\n", f.Maker, f.MakerID, f.Taker, f.TakerID, f.Quantity, f.Price)
	}
	fmt.Println(outcome)
	best, _ := b.Best(wire.Buy)
	fmt.Printf("best bid %d x %d\n", best.Price, best.Quantity)

	// Alice's cancel finds nothing: her orders have traded.
	_, ok := b.Cancel(alice, 1)
	fmt.Println("cancelled:", ok)
	// Bob leaves: his resting remainder goes with him.
	fmt.Println("removed:", b.Leave(bob))
	// Output:
	// maker 0/2 taker 1/1: 5 at 100
	// maker 0/1 taker 1/1: 5 at 101
	// rested
	// best bid 101 x 2
	// cancelled: false
	// removed: 1
}
