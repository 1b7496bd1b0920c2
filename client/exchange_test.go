package client_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// exchangePeer is a loopback peer that behaves like an exchange's gateway:
// it acks every Order and CancelOrder by id, the replies to each read in
// reverse order (so out of order), pushes a Trade naming every tradeEvery-th
// Order as taker right before its ack, and a Heartbeat of its own every
// heartbeatEvery-th message. It records what it saw and sent.
type exchangePeer struct {
	tradeEvery, heartbeatEvery int
	unknownAckAt               int // the Order (counted over the peer) acked with an id nobody sent; -1: none

	mu         sync.Mutex
	trades     int64
	heartbeats int64
	orders     int64
	orderIDs   map[uint64]int // id -> connection
	cancels    int64
	cancelsOK  int64 // cancels naming an earlier Order of their own connection
	cancelsBad int64 // cancels naming another connection's Order
	dupIDs     int64 // Orders whose id an earlier Order had
}

func startExchangePeer(t *testing.T, p *exchangePeer) string {
	t.Helper()
	p.orderIDs = map[uint64]int{}
	return startPeer(t, p.serve)
}

func (p *exchangePeer) serve(nc net.Conn, conn int) {
	eachRead(nc, func(frames []byte) bool {
		var replies [][]byte
		for f := range slices.Chunk(frames, wire.FrameLen) {
			v, _, err := wire.ParseFrame(f)
			if err != nil {
				return false
			}
			replies = append(replies, p.answer(v, conn)...)
		}
		slices.Reverse(replies)
		_, err := nc.Write(slices.Concat(replies...))
		return err == nil
	})
}

// answer returns the replies to v, last first (serve reverses them).
func (p *exchangePeer) answer(v wire.View, conn int) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	switch v.Kind() {
	case wire.KindOrder:
		o, _ := v.Order()
		p.orders++
		if _, dup := p.orderIDs[o.ID()]; dup {
			p.dupIDs++
		}
		p.orderIDs[o.ID()] = conn
		id := o.ID()
		if int(p.orders-1) == p.unknownAckAt {
			id ^= 1 << 62
		}
		out = append(out, wire.AppendOrderAck(nil, id, uint64(time.Now().UnixNano())))
		if p.tradeEvery > 0 && p.orders%int64(p.tradeEvery) == 0 {
			p.trades++
			out = append(out, wire.AppendTrade(nil, &wire.Trade{MakerID: 1<<61 + uint64(p.trades), TakerID: o.ID(), Price: o.Price(), Quantity: o.Quantity(), Timestamp: 1}))
		}
	case wire.KindCancelOrder:
		c, _ := v.CancelOrder()
		p.cancels++
		switch owner, ok := p.orderIDs[c.ID()]; {
		case ok && owner == conn:
			p.cancelsOK++
		case ok:
			p.cancelsBad++
		}
		out = append(out, wire.AppendCancelAck(nil, c.ID()))
	default:
		out = append(out, wire.AppendFrame(nil, v.Message()))
	}
	if p.heartbeatEvery > 0 && (p.orders+p.cancels)%int64(p.heartbeatEvery) == 0 {
		p.heartbeats++
		out = append(out, wire.AppendHeartbeat(nil, uint64(time.Now().UnixNano())))
	}
	return out
}

func exchangeConfig(addr string) client.LoadConfig {
	mix, _ := client.ParseMix("order=90,cancel=10")
	return client.LoadConfig{Command: "flood", Addr: addr, Conns: 2, Window: 8, Count: 3000, Mix: mix,
		Reply: wire.ReplyExchange, Drain: 2 * time.Second}
}

// TestExchangePeer: against a peer that acks out of order and pushes
// Trades and Heartbeats, nothing is an error, every unsolicited message
// and every fill is counted, ids never collide across connections, and
// cancels name the connection's own Orders.
func TestExchangePeer(t *testing.T) {
	p := &exchangePeer{tradeEvery: 5, heartbeatEvery: 50, unknownAckAt: -1}
	run, err := client.Run(testCtx(t), exchangeConfig(startExchangePeer(t, p)))
	if err != nil {
		t.Fatalf("%v (%v)", err, run.ErrorSamples)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if run.Errors != 0 || run.Received != 3000 {
		t.Errorf("errors %d, received %d; want 0, 3000", run.Errors, run.Received)
	}
	if got := run.Unsolicited["trade"]; got != p.trades || got == 0 {
		t.Errorf("unsolicited trades %d, peer sent %d", got, p.trades)
	}
	if got := run.Unsolicited["heartbeat"]; got != p.heartbeats || got == 0 {
		t.Errorf("unsolicited heartbeats %d, peer sent %d", got, p.heartbeats)
	}
	if g := run.HeartbeatGap; g == nil || g.Count < p.heartbeats-2 || g.Count >= p.heartbeats || g.Max < g.P50 {
		t.Errorf("heartbeat gaps %+v, peer sent %d heartbeats on 2 connections", g, p.heartbeats)
	}
	if run.Fill == nil || run.Fill.TotalCount() != p.trades {
		t.Errorf("fills timed: %v, want %d", run.Fill, p.trades)
	} else if run.Fill.Max() <= 0 || run.Fill.Max() > int64(10*time.Second) {
		t.Errorf("fill max %d ns: not a latency", run.Fill.Max())
	}
	if p.dupIDs != 0 || int64(len(p.orderIDs)) != p.orders {
		t.Errorf("%d Orders with %d distinct ids: ids collide", p.orders, len(p.orderIDs))
	}
	if p.cancelsBad != 0 || p.cancelsOK < p.cancels*9/10 {
		t.Errorf("of %d cancels, %d name an Order of their connection, %d another's", p.cancels, p.cancelsOK, p.cancelsBad)
	}
}

func TestExchangePeerErrors(t *testing.T) {
	tests := []struct {
		name  string
		peer  *exchangePeer
		edit  func(*client.LoadConfig)
		want  error
		quote string
	}{
		{"unknown id acked", &exchangePeer{unknownAckAt: 100}, nil, client.ErrMismatch, "OrderAck"},
		{"strict", &exchangePeer{tradeEvery: 5, unknownAckAt: -1}, func(c *client.LoadConfig) { c.Strict = true }, client.ErrUnsolicited, `"Trade"`},
		{"echo expected", &exchangePeer{unknownAckAt: -1}, func(c *client.LoadConfig) { c.Reply = wire.ReplyEcho }, client.ErrAcksOrders, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exchangeConfig(startExchangePeer(t, tt.peer))
			cfg.Count, cfg.Drain = 500, 300*time.Millisecond
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			run, err := client.Run(testCtx(t), cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if said := err.Error() + strings.Join(run.ErrorSamples, "\n"); !strings.Contains(said, tt.quote) {
				t.Errorf("error and samples %q do not quote %s", said, tt.quote)
			}
		})
	}
}

// TestBookPeer: against gigadex's own order book, Orders cross, both sides
// of every match hear of it, and fills are timed.
func TestBookPeer(t *testing.T) {
	cfg := exchangeConfig(startEcho(t, echo.WithReply(wire.ReplyBook)))
	cfg.Reply = wire.ReplyBook
	run, err := client.Run(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("%v (%v)", err, run.ErrorSamples)
	}
	trades := run.Unsolicited["trade"]
	if run.Errors != 0 || trades == 0 || run.Fill == nil || run.Fill.TotalCount() == 0 || run.Fill.TotalCount() > 2700 {
		t.Fatalf("errors %d, %d trades, fills %v", run.Errors, trades, run.Fill)
	}
}

// TestHeartbeatTimeout: a peer that answers but sends no Heartbeat of its
// own fails the run soon after the heartbeat timeout, not at its end.
func TestHeartbeatTimeout(t *testing.T) {
	cfg := exchangeConfig(startExchangePeer(t, &exchangePeer{unknownAckAt: -1}))
	cfg.Count, cfg.Duration, cfg.HeartbeatTimeout = 0, 5*time.Second, 200*time.Millisecond
	start := time.Now()
	_, err := client.Run(testCtx(t), cfg)
	if !errors.Is(err, client.ErrHeartbeat) {
		t.Fatalf("err %v, want ErrHeartbeat", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("failed after %v, want soon after 200ms", d)
	}
}

// TestReplay: a list of messages is sent in order, looping, with ids
// rewritten so that none repeats and cancels name their Order's new id;
// replies are checked against what was sent, against an echo and an
// exchange peer alike.
func TestReplay(t *testing.T) {
	msgs := []wire.Message{
		wire.Order{ID: 1, Price: 10, Quantity: 3, Side: wire.Buy},
		wire.Heartbeat{Timestamp: 7},
		wire.Order{ID: 2, Price: 11, Quantity: 4, Side: wire.Sell},
		wire.CancelOrder{ID: 1},
		wire.Trade{MakerID: 1, TakerID: 2, Price: 10, Quantity: 3, Timestamp: 9},
	}
	t.Run("exchange", func(t *testing.T) {
		p := &exchangePeer{unknownAckAt: -1}
		cfg := exchangeConfig(startExchangePeer(t, p))
		cfg.Count, cfg.Messages = 500, msgs
		run, err := client.Run(testCtx(t), cfg)
		if err != nil || run.Errors != 0 || run.Received != 500 {
			t.Fatalf("%v: %d errors, %d received (%v)", err, run.Errors, run.Received, run.ErrorSamples)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.orders != 200 || p.dupIDs != 0 || p.cancels != 100 || p.cancelsOK != 100 {
			t.Errorf("peer saw %d orders (%d duplicate ids), %d cancels (%d naming an order of theirs); want 200, 0, 100, 100",
				p.orders, p.dupIDs, p.cancels, p.cancelsOK)
		}
	})
	t.Run("echo", func(t *testing.T) {
		run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: startEcho(t), Window: 8, Count: 500, Messages: msgs})
		if err != nil || run.Errors != 0 || run.Received != 500 {
			t.Fatalf("%v: %d errors, %d received (%v)", err, run.Errors, run.Received, run.ErrorSamples)
		}
	})
}

// TestMismatchQuotesWhatWasSent: an exchange run against an echo peer
// gets its Orders and CancelOrders back instead of acks, and the error
// quotes each request as it went out (its price from the walk, the Order
// a CancelOrder named), so that it reads as the peer's echo of it.
func TestMismatchQuotesWhatWasSent(t *testing.T) {
	cfg := exchangeConfig(startEcho(t))
	cfg.Conns, cfg.Count, cfg.Drain = 1, 200, 300*time.Millisecond
	run, err := client.Run(testCtx(t), cfg)
	if !errors.Is(err, client.ErrMismatch) {
		t.Fatalf("err %v, want ErrMismatch", err)
	}
	quoted := 0
	for _, s := range run.ErrorSamples {
		_, rest, ok := strings.Cut(s, "reply to ")
		if !ok {
			continue
		}
		sent, echoed, ok := strings.Cut(rest, " was ")
		if !ok {
			t.Fatalf("sample %q: no request and reply", s)
		}
		if sent != echoed {
			t.Errorf("sample %q: the echo of a request differs from the request quoted", s)
		}
		quoted++
	}
	if quoted == 0 {
		t.Fatalf("no sample quotes a request: %q", run.ErrorSamples)
	}
}
