package book

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

// op is one step of a scenario: a submit, or a cancel when cancel is set.
type op struct {
	o      Order
	cancel bool
	want   []Fill
	out    Outcome // for a submit
	ok     bool    // for a cancel: whether it found the order
}

func buy(o Owner, id, price, qty uint64) Order {
	return Order{Owner: o, ID: id, Side: wire.Buy, Price: price, Quantity: qty}
}

func sell(o Owner, id, price, qty uint64) Order {
	return Order{Owner: o, ID: id, Side: wire.Sell, Price: price, Quantity: qty}
}

func cancel(o Owner, id uint64, ok bool) op {
	return op{o: Order{Owner: o, ID: id}, cancel: true, ok: ok}
}

func fill(maker Owner, makerID uint64, taker Owner, takerID, price, qty uint64) Fill {
	return Fill{Maker: maker, Taker: taker, MakerID: makerID, TakerID: takerID, Price: price, Quantity: qty}
}

func TestScenarios(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		ops       []op
		bids, ask []Level
	}{
		{
			name: "no cross rests both sides",
			ops: []op{
				{o: buy(1, 1, 99, 5), out: Rested},
				{o: sell(2, 1, 101, 7), out: Rested},
			},
			bids: []Level{{99, 5, 1}}, ask: []Level{{101, 7, 1}},
		},
		{
			name: "full cross at the maker's price",
			ops: []op{
				{o: sell(1, 10, 100, 5), out: Rested},
				{o: buy(2, 20, 105, 5), out: Done, want: []Fill{fill(1, 10, 2, 20, 100, 5)}},
			},
		},
		{
			name: "partial fill of the taker rests the remainder",
			ops: []op{
				{o: sell(1, 10, 100, 3), out: Rested},
				{o: buy(2, 20, 100, 5), out: Rested, want: []Fill{fill(1, 10, 2, 20, 100, 3)}},
			},
			bids: []Level{{100, 2, 1}},
		},
		{
			name: "partial fill of the maker keeps its place",
			ops: []op{
				{o: buy(1, 10, 100, 5), out: Rested},
				{o: buy(3, 30, 100, 5), out: Rested},
				{o: sell(2, 20, 90, 2), out: Done, want: []Fill{fill(1, 10, 2, 20, 100, 2)}},
				{o: sell(2, 21, 90, 4), out: Done, want: []Fill{fill(1, 10, 2, 21, 100, 3), fill(3, 30, 2, 21, 100, 1)}},
			},
			bids: []Level{{100, 4, 1}},
		},
		{
			name: "best price first, then oldest first",
			ops: []op{
				{o: sell(1, 1, 102, 1), out: Rested},
				{o: sell(2, 2, 101, 1), out: Rested},
				{o: sell(3, 3, 101, 1), out: Rested},
				{o: sell(1, 4, 100, 1), out: Rested},
				{o: buy(4, 9, 101, 10), out: Rested, want: []Fill{
					fill(1, 4, 4, 9, 100, 1), fill(2, 2, 4, 9, 101, 1), fill(3, 3, 4, 9, 101, 1),
				}},
			},
			bids: []Level{{101, 7, 1}}, ask: []Level{{102, 1, 1}},
		},
		{
			name: "sell sweeps bids from the highest",
			ops: []op{
				{o: buy(1, 1, 98, 2), out: Rested},
				{o: buy(1, 2, 99, 2), out: Rested},
				{o: sell(2, 3, 98, 3), out: Done, want: []Fill{fill(1, 2, 2, 3, 99, 2), fill(1, 1, 2, 3, 98, 1)}},
			},
			bids: []Level{{98, 1, 1}},
		},
		{
			name: "a limit stops the sweep",
			ops: []op{
				{o: sell(1, 1, 100, 1), out: Rested},
				{o: sell(1, 2, 103, 1), out: Rested},
				{o: buy(2, 3, 101, 5), out: Rested, want: []Fill{fill(1, 1, 2, 3, 100, 1)}},
			},
			bids: []Level{{101, 4, 1}}, ask: []Level{{103, 1, 1}},
		},
		{
			name: "cancel removes the rest; a second cancel is unknown",
			ops: []op{
				{o: buy(1, 7, 100, 5), out: Rested},
				{o: sell(2, 8, 100, 2), out: Done, want: []Fill{fill(1, 7, 2, 8, 100, 2)}},
				cancel(1, 7, true),
				cancel(1, 7, false),
			},
		},
		{
			name: "a cancel names the owner's order, not another owner's",
			ops: []op{
				{o: buy(1, 7, 100, 5), out: Rested},
				cancel(2, 7, false),
			},
			bids: []Level{{100, 5, 1}},
		},
		{
			name: "cancel of a filled order is unknown",
			ops: []op{
				{o: buy(1, 7, 100, 5), out: Rested},
				{o: sell(2, 8, 100, 5), out: Done, want: []Fill{fill(1, 7, 2, 8, 100, 5)}},
				cancel(1, 7, false),
			},
		},
		{
			name: "self-trade",
			ops: []op{
				{o: buy(1, 1, 100, 5), out: Rested},
				{o: sell(1, 2, 100, 5), out: Done, want: []Fill{fill(1, 1, 1, 2, 100, 5)}},
			},
		},
		{
			name: "same id from two owners",
			ops: []op{
				{o: buy(1, 5, 100, 1), out: Rested},
				{o: buy(2, 5, 100, 1), out: Rested},
				{o: sell(3, 5, 100, 2), out: Done, want: []Fill{fill(1, 5, 3, 5, 100, 1), fill(2, 5, 3, 5, 100, 1)}},
			},
		},
		{
			name: "a live id is not rested twice",
			ops: []op{
				{o: buy(1, 5, 100, 1), out: Rested},
				{o: buy(1, 5, 99, 1), out: Duplicate},
			},
			bids: []Level{{100, 1, 1}},
		},
		{
			name: "a full book still trades but rests nothing",
			max:  1,
			ops: []op{
				{o: buy(1, 1, 100, 1), out: Rested},
				{o: buy(1, 2, 99, 1), out: Full},
				{o: sell(2, 3, 100, 3), out: Rested, want: []Fill{fill(1, 1, 2, 3, 100, 1)}},
				{o: sell(2, 4, 100, 3), out: Full},
			},
			ask: []Level{{100, 2, 1}},
		},
		{
			name: "zero quantity",
			ops:  []op{{o: buy(1, 1, 100, 0), out: Done}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(WithMaxOrders(max(tt.max, 0)))
			if tt.max == 0 {
				b = New()
			}
			for range 5 {
				b.Join()
			}
			for i, s := range tt.ops {
				if s.cancel {
					if _, ok := b.Cancel(s.o.Owner, s.o.ID); ok != s.ok {
						t.Fatalf("step %d: Cancel(%d, %d) found %v, want %v", i, s.o.Owner, s.o.ID, ok, s.ok)
					}
					continue
				}
				fills, out := b.Submit(s.o, nil)
				if !slices.Equal(fills, s.want) || out != s.out {
					t.Fatalf("step %d: Submit(%+v) = %+v, %v; want %+v, %v", i, s.o, fills, out, s.want, s.out)
				}
			}
			if got := slices.Collect(b.Levels(wire.Buy)); !slices.Equal(got, tt.bids) {
				t.Errorf("bids: got %v, want %v", got, tt.bids)
			}
			if got := slices.Collect(b.Levels(wire.Sell)); !slices.Equal(got, tt.ask) {
				t.Errorf("asks: got %v, want %v", got, tt.ask)
			}
		})
	}
}

func TestLeaveCancelsTheOwnersOrders(t *testing.T) {
	b := New()
	a, c := b.Join(), b.Join()
	b.Submit(buy(a, 1, 100, 1), nil)
	b.Submit(buy(c, 1, 100, 2), nil)
	b.Submit(sell(a, 2, 105, 3), nil)
	b.Submit(buy(a, 3, 99, 4), nil)
	if n := b.Leave(a); n != 3 {
		t.Fatalf("Leave removed %d orders, want 3", n)
	}
	if got, want := slices.Collect(b.Levels(wire.Buy)), []Level{{100, 2, 1}}; !slices.Equal(got, want) {
		t.Errorf("bids: got %v, want %v", got, want)
	}
	if _, ok := b.Best(wire.Sell); ok {
		t.Error("asks not empty")
	}
	st := b.Stats()
	if st.Departed != 3 || st.Resting != 1 || st.Levels != 1 {
		t.Errorf("stats %+v: want Departed 3, Resting 1, Levels 1", st)
	}
	// The handle is reused, with no orders.
	if d := b.Join(); d != a {
		t.Errorf("Join after Leave: got owner %d, want %d", d, a)
	}
	if _, ok := b.Cancel(a, 1); ok {
		t.Error("a new owner with a reused handle cancelled the old owner's order")
	}
}

func TestStats(t *testing.T) {
	b := New(WithMaxOrders(2))
	o := b.Join()
	b.Submit(buy(o, 1, 100, 5), nil)
	b.Submit(buy(o, 1, 100, 5), nil) // duplicate
	b.Submit(buy(o, 2, 101, 5), nil)
	b.Submit(buy(o, 3, 102, 5), nil) // full
	b.Submit(sell(o, 4, 100, 7), nil)
	b.Cancel(o, 1) // 3 left of 5
	b.Cancel(o, 2) // filled
	want := Stats{Orders: 5, Trades: 2, Volume: 7, Cancels: 1, UnknownCancels: 1, Full: 1, Duplicates: 1}
	if got := b.Stats(); got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestSubmitWithoutJoinPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	New().Submit(buy(3, 1, 1, 1), nil)
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Done: "done", Rested: "rested", Full: "full", Duplicate: "duplicate", 9: "Outcome(9)"} {
		if got := o.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestIndexSurvivesChurn inserts and deletes many keys that collide in a
// small table, checking every lookup against a map.
func TestIndexSurvivesChurn(t *testing.T) {
	b := New(WithMaxOrders(300))
	owners := []Owner{b.Join(), b.Join(), b.Join()}
	live := map[[2]uint64]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		o := owners[rng.IntN(len(owners))]
		id := rng.Uint64N(500)
		k := [2]uint64{uint64(o), id}
		if live[k] {
			if _, ok := b.Cancel(o, id); !ok {
				t.Fatalf("Cancel(%d, %d): not found", o, id)
			}
			delete(live, k)
			continue
		}
		// Buys only, so nothing trades.
		if _, out := b.Submit(buy(o, id, rng.Uint64N(50), 1), nil); out == Rested {
			live[k] = true
		} else if out != Full {
			t.Fatalf("Submit(%d, %d): %v", o, id, out)
		}
	}
	for k := range live {
		if _, ok := b.Lookup(Owner(k[0]), k[1]); !ok {
			t.Fatalf("Lookup(%d, %d): not found", k[0], k[1])
		}
	}
	if got := int(b.Stats().Resting); got != len(live) {
		t.Errorf("resting %d, want %d", got, len(live))
	}
}
