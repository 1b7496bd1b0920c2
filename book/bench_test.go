package book

import (
	"math/rand/v2"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

// flow is a pregenerated order flow around a fixed mid price: a cancel of a
// recent order every tenth step, otherwise an order of either side that is
// passive (1 to 100 at 1 to 10 ticks from the mid on its own side) or, as
// often, aggressive (1 to 200 at 10 ticks through the mid), so that the book
// stays thin and the flow can run for ever.
type flow struct {
	ops []flowOp
}

type flowOp struct {
	cancel bool
	back   uint64 // for a cancel: how many ids back
	side   wire.Side
	price  uint64
	qty    uint64
}

func newFlow(n int, seed uint64) *flow {
	rng := rand.New(rand.NewPCG(seed, seed))
	f := &flow{ops: make([]flowOp, n)}
	for i := range f.ops {
		if rng.IntN(10) == 0 {
			f.ops[i] = flowOp{cancel: true, back: 1 + rng.Uint64N(64)}
			continue
		}
		const mid = 10_000
		side := wire.Side(rng.IntN(2))
		var price, qty uint64
		switch aggressive := rng.IntN(2) == 0; {
		case aggressive && side == wire.Buy:
			price, qty = mid+10, 1+rng.Uint64N(200)
		case aggressive:
			price, qty = mid-10, 1+rng.Uint64N(200)
		case side == wire.Buy:
			price, qty = mid-1-rng.Uint64N(10), 1+rng.Uint64N(100)
		default:
			price, qty = mid+1+rng.Uint64N(10), 1+rng.Uint64N(100)
		}
		f.ops[i] = flowOp{side: side, price: price, qty: qty}
	}
	return f
}

// run applies op i of the flow for one of owners, the order ids counting
// up with next.
func (f *flow) run(b *Book, owners []Owner, i int, next *uint64, fills []Fill) []Fill {
	op := &f.ops[i%len(f.ops)]
	o := owners[i%len(owners)]
	if op.cancel {
		b.Cancel(o, *next-op.back*uint64(len(owners)))
		return fills
	}
	*next++
	fills, _ = b.Submit(Order{Owner: o, ID: *next, Side: op.side, Price: op.price, Quantity: op.qty}, fills[:0])
	return fills
}

// BenchmarkSubmit measures the book's cost per message of a flow of 90%
// orders (about half of them crossing, at 21 prices) and 10% cancels from
// 4 owners, once the book has reached its steady state. One op is one
// message.
func BenchmarkSubmit(b *testing.B) {
	bk := New()
	owners := []Owner{bk.Join(), bk.Join(), bk.Join(), bk.Join()}
	f := newFlow(1<<16, 1)
	var next uint64
	fills := make([]Fill, 0, 64)
	for i := range 1 << 18 { // warm up: pools and slices reach their size
		fills = f.run(bk, owners, i, &next, fills)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fills = f.run(bk, owners, i, &next, fills)
		i++
	}
	st := bk.Stats()
	b.ReportMetric(float64(st.Resting), "resting")
	b.ReportMetric(float64(st.Trades)/float64(st.Orders), "fills/order")
}

// TestSubmitAllocatesNothing checks the steady state of BenchmarkSubmit's
// flow: no allocation per message once the pools have grown.
func TestSubmitAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	bk := New()
	owners := []Owner{bk.Join(), bk.Join(), bk.Join()}
	f := newFlow(1<<12, 2)
	var next uint64
	fills := make([]Fill, 0, 64)
	for i := range 1 << 16 {
		fills = f.run(bk, owners, i, &next, fills)
	}
	i := 0
	if a := testing.AllocsPerRun(10000, func() { fills = f.run(bk, owners, i, &next, fills); i++ }); a != 0 {
		t.Errorf("%v allocations per message, want 0", a)
	}
}
