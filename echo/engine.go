package echo

import (
	"io"
	"sync"

	"github.com/gigadex/gigadex/book"
	"github.com/gigadex/gigadex/wire"
)

// engine is the matching engine of [wire.ReplyBook]: one order book shared by
// all connections, each of which is an owner in it. One lock guards the
// book and the owners' connections; a connection holds it for a whole
// batch of frames.
type engine struct {
	mu    sync.Mutex
	book  *book.Book
	conns []*conn     // by owner
	fills []book.Fill // scratch for Submit
}

func newEngine(maxOrders int) *engine {
	var opts []book.Option
	if maxOrders > 0 {
		opts = append(opts, book.WithMaxOrders(maxOrders))
	}
	return &engine{book: book.New(opts...), fills: make([]book.Fill, 0, 64)}
}

func (e *engine) join(c *conn) {
	e.mu.Lock()
	c.owner = e.book.Join()
	if int(c.owner) >= len(e.conns) {
		e.conns = append(e.conns, make([]*conn, int(c.owner)+1-len(e.conns))...)
	}
	e.conns[c.owner] = c
	e.mu.Unlock()
}

// leave cancels the connection's resting orders.
func (e *engine) leave(c *conn) {
	e.mu.Lock()
	e.book.Leave(c.owner)
	e.conns[c.owner] = nil
	e.mu.Unlock()
}

func (e *engine) stats() book.Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.book.Stats()
}

// handle validates the whole frames of b, sent by c, and queues what they
// cause: an OrderAck and the Trades of each Order (to c, and to each
// maker's connection), a CancelAck for each CancelOrder, a copy of every
// other frame. Acks and Trades carry stamp (Unix ns); with a service time,
// everything a frame causes leaves at one departure, given by arrival
// (server clock ns). It returns what handleBatch returns.
func (e *engine) handle(c *conn, b []byte, stamp uint64, arrival int64) (int, error) {
	s, o := c.srv, c.out
	paced := s.serviceTime > 0
	// Deferred, so that a panic does not leave the book locked (and the
	// connection's cleanup waiting for it for ever).
	e.mu.Lock()
	defer e.mu.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	var err error
	for len(b)-n >= wire.FrameLen {
		var v wire.View
		if v, _, err = wire.ParseFrame(b[n:]); err != nil {
			break
		}
		var dep int64
		if paced {
			dep = s.pacer.depart(arrival)
		}
		switch v.Kind() {
		case wire.KindOrder:
			ov, _ := v.Order()
			if o.room() {
				o.buf = wire.AppendOrderAck(o.buf, ov.ID(), stamp)
			}
			e.submit(c, ov, stamp, dep)
		case wire.KindCancelOrder:
			co, _ := v.CancelOrder()
			e.book.Cancel(c.owner, co.ID())
			if o.room() {
				o.buf = wire.AppendCancelAck(o.buf, co.ID())
			}
		default:
			if o.room() {
				o.buf = wire.AppendPayload(o.buf, v)
			}
		}
		if paced {
			o.stamp(dep)
		}
		n += wire.FrameLen
	}
	if err == nil && n < len(b) {
		if _, _, perr := wire.ParseFrame(b[n:]); perr != io.ErrUnexpectedEOF {
			err = perr
		}
	}
	return n, err
}

// submit matches an order of c and queues a Trade for each match, to the
// taker (c, whose outbox lock the caller holds) and to the maker, once if
// they are the same connection. The caller holds e.mu.
func (e *engine) submit(c *conn, ov wire.OrderView, stamp uint64, dep int64) {
	e.fills, _ = e.book.Submit(book.Order{Owner: c.owner, ID: ov.ID(), Side: ov.Side(), Price: ov.Price(), Quantity: ov.Quantity()}, e.fills[:0])
	o := c.out
	for i := range e.fills {
		f := &e.fills[i]
		t := wire.Trade{MakerID: f.MakerID, TakerID: f.TakerID, Price: f.Price, Quantity: f.Quantity, Timestamp: stamp}
		if o.room() {
			o.buf = wire.AppendTrade(o.buf, &t)
		}
		if f.Maker == f.Taker {
			continue
		}
		m := e.conns[f.Maker].out
		m.mu.Lock()
		if m.room() {
			m.buf = wire.AppendTrade(m.buf, &t)
			if dep > 0 {
				m.stamp(dep)
			}
		}
		wake := !m.busy // else its reader writes it after its batch
		m.mu.Unlock()
		if wake {
			signal(m.wake)
		}
	}
}
