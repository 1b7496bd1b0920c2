package echo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// bookClient is a test client of a server with [wire.ReplyBook].
type bookClient struct {
	tb   testing.TB
	name string
	c    net.Conn
	buf  []byte
}

func (ts *testServer) bookClient(tb testing.TB, name string) *bookClient {
	return &bookClient{tb: tb, name: name, c: ts.dial(tb)}
}

func (bc *bookClient) send(ms ...wire.Message) {
	bc.tb.Helper()
	bc.buf = bc.buf[:0]
	for _, m := range ms {
		bc.buf = wire.AppendFrame(bc.buf, m)
	}
	if _, err := bc.c.Write(bc.buf); err != nil {
		bc.tb.Fatalf("%s: write: %v", bc.name, err)
	}
}

// recv reads n messages, with the timestamps of OrderAcks and Trades
// checked (not zero) and then zeroed, so that they compare equal.
func (bc *bookClient) recv(n int) []wire.Message {
	bc.tb.Helper()
	buf := make([]byte, wire.FrameLen)
	var ms []wire.Message
	for range n {
		if _, err := io.ReadFull(bc.c, buf); err != nil {
			bc.tb.Fatalf("%s: after %v: read: %v", bc.name, ms, err)
		}
		v, _, err := wire.ParseFrame(buf)
		if err != nil {
			bc.tb.Fatalf("%s: %v", bc.name, err)
		}
		m := v.Message()
		switch x := m.(type) {
		case wire.OrderAck:
			if x.Timestamp == 0 {
				bc.tb.Errorf("%s: %+v without a timestamp", bc.name, x)
			}
			x.Timestamp = 0
			m = x
		case wire.Trade:
			if x.Timestamp == 0 {
				bc.tb.Errorf("%s: %+v without a timestamp", bc.name, x)
			}
			x.Timestamp = 0
			m = x
		}
		ms = append(ms, m)
	}
	return ms
}

// expect reads len(want) messages and compares them with want.
func (bc *bookClient) expect(want ...wire.Message) {
	bc.tb.Helper()
	if got := bc.recv(len(want)); !slices.Equal(got, want) {
		bc.tb.Errorf("%s: got  %v\nwant %v", bc.name, got, want)
	}
}

// fence sends a Heartbeat and expects its echo next: proof that nothing
// else was queued for this connection before it.
func (bc *bookClient) fence() {
	bc.tb.Helper()
	hb := wire.Heartbeat{Timestamp: 0xfe}
	bc.send(hb)
	bc.expect(hb)
}

func order(id, price, qty uint64, side wire.Side) wire.Order {
	return wire.Order{ID: id, Price: price, Quantity: qty, Side: side}
}

func ack(id uint64) wire.OrderAck { return wire.OrderAck{ID: id} }

func trade(maker, taker, price, qty uint64) wire.Trade {
	return wire.Trade{MakerID: maker, TakerID: taker, Price: price, Quantity: qty}
}

func TestBookScenarios(t *testing.T) {
	const buy, sell = wire.Buy, wire.Sell
	tests := []struct {
		name string
		run  func(t *testing.T, ts *testServer, a, b, c *bookClient)
		want func(t *testing.T, st Stats)
	}{
		{"crossing trades at the maker's price, to both", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 100, 10, sell))
			a.expect(ack(1))
			b.send(order(7, 105, 10, buy))
			b.expect(ack(7), trade(1, 7, 100, 10))
			a.expect(trade(1, 7, 100, 10))
		}, func(t *testing.T, st Stats) {
			if st.Book.Trades != 1 || st.Book.Volume != 10 || st.Book.Resting != 0 {
				t.Errorf("book %+v: want 1 trade of 10, nothing resting", st.Book)
			}
		}},
		{"partial fills rest the remainder", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 100, 10, sell))
			a.expect(ack(1))
			b.send(order(2, 100, 4, buy))
			b.expect(ack(2), trade(1, 2, 100, 4))
			a.expect(trade(1, 2, 100, 4))
			c.send(order(3, 101, 10, buy))
			c.expect(ack(3), trade(1, 3, 100, 6))
			a.expect(trade(1, 3, 100, 6))
			// c's remainder of 4 rests at 101, and trades at 101.
			a.send(order(4, 99, 5, sell))
			a.expect(ack(4), trade(3, 4, 101, 4))
			c.expect(trade(3, 4, 101, 4))
		}, func(t *testing.T, st Stats) {
			if st.Book.Resting != 1 || st.Book.Levels != 1 {
				t.Errorf("book %+v: want a's remainder of order 4 resting", st.Book)
			}
		}},
		{"price, then time priority", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 101, 5, sell))
			a.expect(ack(1))
			b.send(order(2, 100, 5, sell))
			b.expect(ack(2))
			c.send(order(3, 100, 5, sell))
			c.expect(ack(3))
			a.send(order(4, 101, 12, buy))
			a.expect(ack(4), trade(2, 4, 100, 5), trade(3, 4, 100, 5), trade(1, 4, 101, 2))
			b.expect(trade(2, 4, 100, 5))
			c.expect(trade(3, 4, 100, 5))
		}, nil},
		{"cancels are acked, known or not", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(5, 100, 5, buy), wire.CancelOrder{ID: 5}, wire.CancelOrder{ID: 5}, wire.CancelOrder{ID: 99})
			a.expect(ack(5), wire.CancelAck{ID: 5}, wire.CancelAck{ID: 5}, wire.CancelAck{ID: 99})
			b.send(order(6, 100, 5, sell), wire.CancelOrder{ID: 5}) // a's id, not b's
			b.expect(ack(6), wire.CancelAck{ID: 5})
			a.fence()
		}, func(t *testing.T, st Stats) {
			if st.Book.Cancels != 1 || st.Book.UnknownCancels != 3 || st.Book.Trades != 0 || st.Book.Resting != 1 {
				t.Errorf("book %+v: want 1 cancel, 3 unknown, no trade, 1 resting", st.Book)
			}
		}},
		{"cancel on disconnect", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 100, 5, buy), order(2, 99, 5, buy))
			a.expect(ack(1), ack(2))
			a.c.Close()
			waitFor(t, "a's orders cancelled", func() bool { return ts.Stats().Book.Resting == 0 })
			b.send(order(3, 99, 5, sell))
			b.expect(ack(3))
			b.fence()
		}, func(t *testing.T, st Stats) {
			if st.Book.Departed != 2 || st.Book.Trades != 0 || st.Book.Resting != 1 {
				t.Errorf("book %+v: want 2 departed, no trade, 1 resting", st.Book)
			}
		}},
		{"a self-trade is sent once", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 100, 5, buy), order(2, 100, 3, sell))
			a.expect(ack(1), ack(2), trade(1, 2, 100, 3))
			a.fence()
		}, nil},
		{"ids are per connection", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			a.send(order(1, 100, 1, buy))
			a.expect(ack(1))
			b.send(order(1, 100, 1, buy))
			b.expect(ack(1))
			c.send(order(1, 100, 2, sell))
			c.expect(ack(1), trade(1, 1, 100, 1), trade(1, 1, 100, 1))
			a.expect(trade(1, 1, 100, 1))
			b.expect(trade(1, 1, 100, 1))
			a.fence()
			b.fence()
		}, nil},
		{"every other frame is echoed", func(t *testing.T, ts *testServer, a, b, c *bookClient) {
			ms := []wire.Message{wire.Heartbeat{Timestamp: 42}, wire.OrderAck{ID: 1, Timestamp: 2},
				wire.Trade{MakerID: 1, TakerID: 2, Price: 3, Quantity: 4, Timestamp: 5}, wire.CancelAck{ID: 6}}
			a.send(ms...)
			want := a.buf // as sent, byte for byte
			got := make([]byte, len(want))
			if _, err := io.ReadFull(a.c, got); err != nil || !bytes.Equal(got, want) {
				t.Errorf("got % x, %v\nwant % x", got, err, want)
			}
		}, func(t *testing.T, st Stats) {
			if st.Book.Orders != 0 || st.Book.Trades != 0 {
				t.Errorf("book %+v: frames other than orders and cancels changed it", st.Book)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, WithReply(wire.ReplyBook))
			a, b, c := ts.bookClient(t, "a"), ts.bookClient(t, "b"), ts.bookClient(t, "c")
			tt.run(t, ts, a, b, c)
			if tt.want != nil {
				tt.want(t, ts.Stats())
			}
			if lines := ts.log.Lines(); len(lines) != 0 {
				t.Errorf("log: %q", lines)
			}
		})
	}
}

func TestHeartbeats(t *testing.T) {
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange, wire.ReplyBook} {
		t.Run(r.String(), func(t *testing.T) {
			ts := startServer(t, WithReply(r), WithHeartbeat(20*time.Millisecond))
			a := ts.bookClient(t, "a")
			var last uint64
			for i := range 3 {
				v := a.recv(1)[0]
				hb, ok := v.(wire.Heartbeat)
				if !ok {
					t.Fatalf("message %d: got %v, want a Heartbeat", i, v)
				}
				if hb.Timestamp <= last {
					t.Errorf("heartbeat %d: timestamp %d after %d", i, hb.Timestamp, last)
				}
				last = hb.Timestamp
			}
			// The client's own Heartbeat still comes back, among the
			// server's.
			a.send(wire.Heartbeat{Timestamp: 7})
			for range 50 {
				if hb := a.recv(1)[0].(wire.Heartbeat); hb.Timestamp == 7 {
					return
				}
			}
			t.Error("the client's Heartbeat was not echoed")
		})
	}
}

// TestBookTradesReachBothSides sends random orders and cancels from four
// connections, one at a time, and checks that every Trade the taker gets
// reaches the maker's connection too, identical and in the same order,
// once when both are the same; that no order trades more than its
// quantity; and that the book's counters agree with what the clients saw.
func TestBookTradesReachBothSides(t *testing.T) {
	ts := startServer(t, WithReply(wire.ReplyBook), WithBookMaxOrders(50))
	const nc = 4
	cs := make([]*bookClient, nc)
	for i := range cs {
		cs[i] = ts.bookClient(t, fmt.Sprint("conn ", i))
	}
	steps := 600
	if testing.Short() {
		steps = 200
	}
	owner := map[uint64]int{}        // order id -> connection (ids unique across connections)
	qty := map[uint64]uint64{}       // order id -> quantity
	filled := map[uint64]uint64{}    // order id -> quantity traded
	var taken, made [nc][]wire.Trade // Trades each connection got as taker, as maker only
	var sent int64
	rng := rand.New(rand.NewPCG(7, 7))
	// step sends m and a Heartbeat from connection ci and reads up to the
	// Heartbeat's echo: the reply to m, the Trades of m, and the Trades of
	// orders that ci made, which may come at any time.
	step := func(ci int, m wire.Message, id uint64) {
		c := cs[ci]
		hb := wire.Heartbeat{Timestamp: 1<<40 + id}
		var reply wire.Message
		switch m := m.(type) {
		case wire.Order:
			reply = ack(m.ID)
		case wire.CancelOrder:
			reply = wire.CancelAck(m)
		}
		if m != nil {
			c.send(m)
		}
		c.send(hb)
		for {
			got := c.recv(1)[0]
			switch tr, ok := got.(wire.Trade); {
			case got == wire.Message(hb):
				if reply != nil {
					t.Fatalf("%s: no reply to %v", c.name, m)
				}
				return
			case got == reply:
				reply = nil
			case ok && reply == nil && tr.TakerID == id && owner[id] == ci:
				taken[ci] = append(taken[ci], tr)
			case ok && owner[tr.MakerID] == ci && owner[tr.TakerID] != ci:
				made[ci] = append(made[ci], tr)
			default:
				t.Fatalf("%s: after %v: unexpected %v", c.name, m, got)
			}
		}
	}
	for i := range steps {
		ci := rng.IntN(nc)
		if rng.IntN(10) == 0 && i > 0 {
			step(ci, wire.CancelOrder{ID: uint64(1 + rng.IntN(i))}, 0)
			continue
		}
		id := uint64(i + 1)
		o := order(id, 95+uint64(rng.IntN(11)), uint64(rng.IntN(20)), wire.Side(rng.IntN(2)))
		owner[id], qty[id] = ci, o.Quantity
		sent++
		step(ci, o, id)
	}
	for ci := range cs {
		step(ci, nil, 0)
	}
	var all []wire.Trade // in the order they happened: by taker, then as received
	for ci := range cs {
		all = append(all, taken[ci]...)
	}
	slices.SortStableFunc(all, func(a, b wire.Trade) int { return int(int64(a.TakerID) - int64(b.TakerID)) })
	var volume uint64
	for ci, c := range cs {
		var want []wire.Trade
		for _, tr := range all {
			if owner[tr.MakerID] == ci && owner[tr.TakerID] != ci {
				want = append(want, tr)
			}
		}
		if !slices.Equal(made[ci], want) {
			t.Errorf("%s: Trades as maker %v\nwant %v", c.name, made[ci], want)
		}
	}
	for _, tr := range all {
		filled[tr.MakerID] += tr.Quantity
		filled[tr.TakerID] += tr.Quantity
		volume += tr.Quantity
	}
	for id, f := range filled {
		if f > qty[id] {
			t.Errorf("order %d: traded %d of %d", id, f, qty[id])
		}
	}
	st := ts.Stats().Book
	if st.Orders != sent || st.Trades != int64(len(all)) || st.Volume != int64(volume) {
		t.Errorf("book %+v: want %d orders, %d trades, volume %d", st, sent, len(all), volume)
	}
	if len(all) < steps/10 {
		t.Errorf("only %d trades in %d steps: the flow does not cross", len(all), steps)
	}
}

// TestBookDropsAClientThatStopsReading: a maker that stops reading while
// others trade against it is dropped once more than 16 MiB of its Trades
// wait, its resting order is cancelled, and the taker is served throughout.
func TestBookDropsAClientThatStopsReading(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: moves about 20 MiB of Trades; the plain run covers it")
	}
	ts := startServer(t, WithReply(wire.ReplyBook))
	maker, taker := ts.bookClient(t, "maker"), ts.bookClient(t, "taker")
	maker.send(order(1, 100, 1<<62, wire.Sell))
	maker.expect(ack(1))
	// The maker reads nothing more, but keeps sending Heartbeats, so that
	// its reader meets the overflow too. Each buy of the taker trades 1
	// with it and sends it a Trade.
	stop := make(chan struct{})
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		hb := wire.AppendFrame(nil, wire.Heartbeat{Timestamp: 1})
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			maker.c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := maker.c.Write(hb); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				return // dropped
			}
		}
	}()
	defer func() { close(stop); <-sending }()
	const batch = 1024
	id := uint64(2)
	for sent := 0; ts.Stats().Timeouts == 0; sent += batch {
		if sent > 2_000_000 { // 100 MiB of Trades: the bound did not hold
			t.Fatalf("the maker is still served after %d Trades: %+v\nlog:\n%s", sent, ts.Stats(), ts.log.String())
		}
		ms := make([]wire.Message, 0, batch)
		want := make([]wire.Message, 0, 2*batch)
		for range batch {
			ms = append(ms, order(id, 100, 1, wire.Buy))
			want = append(want, ack(id), trade(1, id, 100, 1))
			id++
		}
		taker.send(ms...)
		taker.expect(want...)
	}
	time.Sleep(50 * time.Millisecond) // a second report would come now
	if n := ts.Stats().Timeouts; n != 1 {
		t.Errorf("the drop counted %d times, want once", n)
	}
	if len(ts.log.LinesWith("client stopped reading")) != 1 {
		t.Errorf("log lacks the drop:\n%s", ts.log.String())
	}
	// The maker's order went with it: the next buy rests, and trades with
	// nothing.
	waitFor(t, "the maker's order cancelled", func() bool { return ts.Stats().Book.Resting == 0 })
	taker.send(order(id, 100, 1, wire.Buy))
	taker.expect(ack(id))
	taker.fence()
	// The maker's side ends: what was written before the drop, then end of
	// stream.
	if _, err := io.Copy(io.Discard, maker.c); err != nil {
		t.Errorf("maker: %v after the drop, want end of stream", err)
	}
}
