package book

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

// model is a reference book written for clarity, not speed: a slice of
// resting orders in arrival order, searched in full for every match.
type model struct {
	resting []Order
	max     int
}

// best returns the index of the resting order an incoming order on side s
// at price p matches first, or -1: the best opposite price that crosses,
// and the oldest at that price.
func (m *model) best(s wire.Side, p uint64) int {
	bi := -1
	for i, r := range m.resting {
		if r.Side == s {
			continue
		}
		if (s == wire.Buy && r.Price > p) || (s == wire.Sell && r.Price < p) {
			continue
		}
		if bi < 0 || (s == wire.Buy && r.Price < m.resting[bi].Price) || (s == wire.Sell && r.Price > m.resting[bi].Price) {
			bi = i
		}
	}
	return bi
}

func (m *model) submit(o Order) ([]Fill, Outcome) {
	var fills []Fill
	for o.Quantity > 0 {
		i := m.best(o.Side, o.Price)
		if i < 0 {
			break
		}
		r := &m.resting[i]
		q := min(o.Quantity, r.Quantity)
		fills = append(fills, Fill{Maker: r.Owner, Taker: o.Owner, MakerID: r.ID, TakerID: o.ID, Price: r.Price, Quantity: q})
		o.Quantity -= q
		if r.Quantity -= q; r.Quantity == 0 {
			m.resting = slices.Delete(m.resting, i, i+1)
		}
	}
	switch {
	case o.Quantity == 0:
		return fills, Done
	case len(m.resting) >= m.max:
		return fills, Full
	case m.find(o.Owner, o.ID) >= 0:
		return fills, Duplicate
	}
	m.resting = append(m.resting, o)
	return fills, Rested
}

func (m *model) find(o Owner, id uint64) int {
	return slices.IndexFunc(m.resting, func(r Order) bool { return r.Owner == o && r.ID == id })
}

func (m *model) cancel(o Owner, id uint64) (uint64, bool) {
	i := m.find(o, id)
	if i < 0 {
		return 0, false
	}
	q := m.resting[i].Quantity
	m.resting = slices.Delete(m.resting, i, i+1)
	return q, true
}

func (m *model) leave(o Owner) {
	m.resting = slices.DeleteFunc(m.resting, func(r Order) bool { return r.Owner == o })
}

// levels aggregates the model's side s, best first.
func (m *model) levels(s wire.Side) []Level {
	var out []Level
	for _, r := range m.resting {
		if r.Side != s {
			continue
		}
		i := slices.IndexFunc(out, func(l Level) bool { return l.Price == r.Price })
		if i < 0 {
			out = append(out, Level{Price: r.Price})
			i = len(out) - 1
		}
		out[i].Quantity += r.Quantity
		out[i].Orders++
	}
	slices.SortFunc(out, func(a, b Level) int {
		if s == wire.Buy {
			return int(int64(b.Price) - int64(a.Price))
		}
		return int(int64(a.Price) - int64(b.Price))
	})
	return out
}

func restingQuantity(b *Book) uint64 {
	var q uint64
	for _, s := range []wire.Side{wire.Buy, wire.Sell} {
		for l := range b.Levels(s) {
			q += l.Quantity
		}
	}
	return q
}

// TestAgainstModel runs random order flow from several owners (submits
// that cross and rest, duplicate ids, cancels of live and dead ids, owners
// leaving and joining) through the book and the reference model, and
// checks after every step that both gave the same fills and outcome and
// hold the same levels, that the book is not crossed, and that quantity is
// conserved: every unit submitted was traded (counted on both sides),
// rests, was cancelled, left with its owner, or was dropped.
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 99))
		maxOrders := 40 + int(seed)*20
		b := New(WithMaxOrders(maxOrders))
		m := &model{max: maxOrders}
		owners := []Owner{b.Join(), b.Join(), b.Join(), b.Join()}
		var submitted, traded, cancelled, departed, dropped uint64
		var fills []Fill
		steps := 3000
		if testing.Short() {
			steps = 800
		}
		for step := range steps {
			o := owners[rng.IntN(len(owners))]
			switch r := rng.IntN(100); {
			case r < 75:
				ord := Order{Owner: o, ID: rng.Uint64N(30), Side: wire.Side(rng.IntN(2)),
					Price: 95 + rng.Uint64N(11), Quantity: rng.Uint64N(12)}
				var out Outcome
				fills, out = b.Submit(ord, fills[:0])
				wantFills, wantOut := m.submit(ord)
				if !slices.Equal(fills, wantFills) || out != wantOut {
					t.Fatalf("seed %d step %d: Submit(%+v) = %+v, %v; model %+v, %v", seed, step, ord, fills, out, wantFills, wantOut)
				}
				submitted += ord.Quantity
				left := ord.Quantity
				for _, f := range fills {
					traded += 2 * f.Quantity
					left -= f.Quantity
				}
				if out == Full || out == Duplicate {
					dropped += left
				}
			case r < 97:
				id := rng.Uint64N(30)
				q, ok := b.Cancel(o, id)
				wq, wok := m.cancel(o, id)
				if q != wq || ok != wok {
					t.Fatalf("seed %d step %d: Cancel(%d, %d) = %d, %v; model %d, %v", seed, step, o, id, q, ok, wq, wok)
				}
				cancelled += q
			default:
				before := restingQuantity(b)
				b.Leave(o)
				m.leave(o)
				departed += before - restingQuantity(b)
				i := slices.Index(owners, o)
				owners[i] = b.Join()
			}
			bids, asks := slices.Collect(b.Levels(wire.Buy)), slices.Collect(b.Levels(wire.Sell))
			if want := m.levels(wire.Buy); !slices.Equal(bids, want) {
				t.Fatalf("seed %d step %d: bids %v, model %v", seed, step, bids, want)
			}
			if want := m.levels(wire.Sell); !slices.Equal(asks, want) {
				t.Fatalf("seed %d step %d: asks %v, model %v", seed, step, asks, want)
			}
			if len(bids) > 0 && len(asks) > 0 && bids[0].Price >= asks[0].Price {
				t.Fatalf("seed %d step %d: crossed: best bid %d, best ask %d", seed, step, bids[0].Price, asks[0].Price)
			}
			rest := restingQuantity(b)
			if submitted != traded+rest+cancelled+departed+dropped {
				t.Fatalf("seed %d step %d: submitted %d != traded %d + resting %d + cancelled %d + departed %d + dropped %d",
					seed, step, submitted, traded, rest, cancelled, departed, dropped)
			}
			if st := b.Stats(); st.Resting != int64(len(m.resting)) {
				t.Fatalf("seed %d step %d: Stats().Resting %d, model %d", seed, step, st.Resting, len(m.resting))
			}
		}
	}
}
