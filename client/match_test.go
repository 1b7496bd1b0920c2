package client

import (
	"bytes"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func view(t *testing.T, frame []byte) wire.View {
	t.Helper()
	v, _, err := wire.ParseFrame(frame)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRequestSeqOfEveryKind(t *testing.T) {
	for k := wire.Kind(0); k < wire.NumKinds; k++ {
		const seq = 123456789
		if got := requestSeq(view(t, appendMessage(nil, k, seq))); got != seq {
			t.Errorf("%v: requestSeq = %d, want %d", k, got, seq)
		}
	}
}

func TestRingMatch(t *testing.T) {
	const sent = 10
	type req struct {
		seq  uint64
		kind wire.Kind
	}
	tests := []struct {
		name      string
		mode      wire.Reply
		inflight  []req
		reply     []byte
		wantSlot  bool
		wantOK    bool
		wantFound uint64
	}{
		{"echo of a heartbeat", wire.ReplyEcho, []req{{7, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 7), true, true, 7},
		{"echo of an order", wire.ReplyEcho, []req{{3, wire.KindOrder}}, appendMessage(nil, wire.KindOrder, 3), true, true, 3},
		{"order with another price", wire.ReplyEcho, []req{{3, wire.KindOrder}},
			wire.AppendOrder(nil, &wire.Order{ID: 3, Price: 1, Quantity: orderFor(3).Quantity, Side: orderFor(3).Side}), true, false, 3},
		{"ack where an echo is expected", wire.ReplyEcho, []req{{4, wire.KindOrder}}, wire.AppendOrderAck(nil, 4, 99), true, false, 4},
		{"ack of an order", wire.ReplyExchange, []req{{4, wire.KindOrder}}, wire.AppendOrderAck(nil, 4, 99), true, true, 4},
		{"ack of a cancel", wire.ReplyExchange, []req{{5, wire.KindCancelOrder}}, wire.AppendCancelAck(nil, 5), true, true, 5},
		{"exchange echoes heartbeats", wire.ReplyExchange, []req{{6, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 6), true, true, 6},
		{"echo where an ack is expected", wire.ReplyExchange, []req{{4, wire.KindOrder}}, appendMessage(nil, wire.KindOrder, 4), true, false, 4},
		{"answers nothing in flight", wire.ReplyEcho, []req{{2, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 3), false, false, 0},
		{"answers a message not sent yet", wire.ReplyEcho, []req{{2, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, sent), false, false, 0},
		{"same slot, older message", wire.ReplyEcho, []req{{9, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 1), false, false, 0},
		{"trade naming an order in flight", wire.ReplyExchange, []req{{4, wire.KindOrder}}, wire.AppendTrade(nil, &wire.Trade{MakerID: 4, TakerID: 9}), false, false, 0},
		{"peer heartbeat on an order's id", wire.ReplyExchange, []req{{4, wire.KindOrder}}, wire.AppendHeartbeat(nil, 4), false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(8)
			for _, q := range tt.inflight {
				*r.at(q.seq) = slot{kind: q.kind, pending: true}
			}
			v := view(t, tt.reply)
			sl, ok := r.match(v, requestSeq(v), sent, tt.mode)
			if (sl != nil) != tt.wantSlot || ok != tt.wantOK {
				t.Fatalf("match: slot %v, ok %v; want slot %v, ok %v", sl != nil, ok, tt.wantSlot, tt.wantOK)
			}
			if sl == nil {
				return
			}
			if sl != r.at(tt.wantFound) || sl.pending {
				t.Errorf("matched slot %d (pending %v), want message %d answered", sl.index(&r), sl.pending, tt.wantFound)
			}
			if again, _ := r.match(v, requestSeq(v), sent, tt.mode); again != nil {
				t.Error("a second copy of the reply matched again, want a duplicate")
			}
		})
	}
}

// index returns the position of sl in r.
func (sl *slot) index(r *ring) int {
	for i := range r.slots {
		if &r.slots[i] == sl {
			return i
		}
	}
	return -1
}

func TestRingSize(t *testing.T) {
	for _, tt := range []struct{ window, want int }{{1, 1}, {2, 2}, {3, 4}, {256, 256}, {257, 512}} {
		if r := newRing(tt.window); len(r.slots) != tt.want || r.mask != uint64(tt.want-1) {
			t.Errorf("newRing(%d): %d slots, mask %d; want %d", tt.window, len(r.slots), r.mask, tt.want)
		}
	}
}

// TestPutMessageMatchesWire: the flood's encoder writes the frames wire's
// encoders write.
func TestPutMessageMatchesWire(t *testing.T) {
	for _, seq := range []uint64{0, 1, 2, 999, 1000, 12345, 1<<63 + 7, ^uint64(0)} {
		o, tr := orderFor(seq), tradeFor(seq)
		want := map[wire.Kind][]byte{
			wire.KindHeartbeat:   wire.AppendHeartbeat(nil, seq),
			wire.KindOrder:       wire.AppendOrder(nil, &o),
			wire.KindOrderAck:    wire.AppendOrderAck(nil, seq, seq),
			wire.KindTrade:       wire.AppendTrade(nil, &tr),
			wire.KindCancelOrder: wire.AppendCancelOrder(nil, seq),
			wire.KindCancelAck:   wire.AppendCancelAck(nil, seq),
		}
		for k, w := range want {
			prefix := []byte("xyz")
			got := appendMessage(prefix, k, seq)
			if !bytes.Equal(got[:3], prefix) || !bytes.Equal(got[3:], w) {
				t.Errorf("%v %d: appendMessage gave %x, want %x", k, seq, got[3:], w)
			}
		}
	}
}

// TestReplyPayloadAgreesWithCheckReply: the check on raw bytes accepts a
// reply exactly when ParseFrame accepts it and checkReply finds it right,
// for every kind, both reply modes, and every single-byte change of the
// payload.
func TestReplyPayloadAgreesWithCheckReply(t *testing.T) {
	for _, mode := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		for k := wire.Kind(0); k < wire.NumKinds; k++ {
			for _, seq := range []uint64{0, 1, 4242, ^uint64(0) - 1} {
				candidates := [][]byte{
					appendMessage(nil, k, seq),
					wire.AppendOrderAck(nil, seq, 77),
					wire.AppendCancelAck(nil, seq),
					wire.AppendHeartbeat(nil, seq+1),
				}
				base := appendMessage(nil, k, seq)
				for i := wire.LengthPrefixSize; i < wire.FrameLen; i++ {
					for _, x := range []byte{1, 0x80} {
						c := bytes.Clone(base)
						c[i] ^= x
						candidates = append(candidates, c)
					}
				}
				for _, c := range candidates {
					v, _, err := wire.ParseFrame(c)
					want := err == nil && checkReply(v, k, seq, mode)
					got := isReplyPayload((*[wire.PayloadSize]byte)(c[wire.LengthPrefixSize:]), k, seq, mode)
					if got != want {
						t.Fatalf("%v, %v %d, reply %x: raw check %v, checkReply %v (parse error %v)", mode, k, seq, c, got, want, err)
					}
				}
			}
		}
	}
}

// TestKindTableIsKindAt: the table of a connection's message types repeats
// kindAt's first period.
func TestKindTableIsKindAt(t *testing.T) {
	mix, err := ParseMix("heartbeat=20,order=20,order_ack=20,trade=20,cancel=10,cancel_ack=10")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []uint64{0, splitmix(1), splitmix(1 ^ 3<<32)} {
		tab := mix.kindTable(key)
		seen := map[wire.Kind]int{}
		for i := range uint64(kindPeriod) {
			if tab[i] != mix.kindAt(key, i) {
				t.Fatalf("key %x: table[%d] = %v, kindAt %v", key, i, tab[i], mix.kindAt(key, i))
			}
			seen[tab[i]]++
		}
		if len(seen) != 6 {
			t.Errorf("key %x: %d types in a period, want 6", key, len(seen))
		}
	}
}

// TestFloodSendsAndChecksWhatItEncodes: a batch that sendBatch writes is
// appendMessage's frames, and recvBuffered accepts a reply exactly when
// ParseFrame and checkReply do, for every single-byte change of every
// message of a batch of all six kinds, in both reply modes.
func TestFloodSendsAndChecksWhatItEncodes(t *testing.T) {
	mix, err := ParseMix("heartbeat=20,order=20,order_ack=20,trade=20,cancel=10,cancel_ack=10")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		const window = 64
		w := loopWorker(window, mix, mode)
		r := &w.c.Receiver
		if err := w.sendBatch(w.now()); err != nil || w.sent != window {
			t.Fatalf("sendBatch: %v, %d sent", err, w.sent)
		}
		var want []byte
		for seq := range uint64(window) {
			want = appendMessage(want, w.kinds[seq], seq)
		}
		if got := r.buf[r.r:r.w]; !bytes.Equal(got, want) {
			t.Fatalf("%v: sendBatch wrote\n%x\nwant\n%x", mode, got, want)
		}
		sent := bytes.Clone(want)
		w.ring.clear() // nothing in flight but the message under test
		w.acked = int64(w.sent)
		for seq := range uint64(window) {
			k := w.kinds[seq]
			frame := sent[seq*wire.FrameLen : (seq+1)*wire.FrameLen]
			for i := wire.LengthPrefixSize; i < wire.FrameLen; i++ {
				for _, x := range []byte{1, 0x80} {
					c := bytes.Clone(frame)
					c[i] ^= x
					v, _, perr := wire.ParseFrame(c)
					good := perr == nil && requestSeq(v) == seq && checkReply(v, k, seq, mode)
					// Put the message back in flight and read the reply.
					*w.ring.at(seq) = slot{pending: true, kind: k, measured: true}
					w.acked--
					r.r, r.w = 0, copy(r.buf, c)
					errs, unsolBefore := w.tally.errors, w.tally.unsolicited
					w.batch.t = 0
					_, err := w.recvBuffered()
					w.endBatch()
					pending := w.ring.at(seq).pending
					w.ring.at(seq).pending, w.acked = false, int64(w.sent)
					if perr != nil {
						if err == nil {
							t.Fatalf("%v %v %d: byte %d ^%#x: no error for an invalid frame (%v)", mode, k, seq, i, x, perr)
						}
						r.err = nil // accept the next frame
						continue
					}
					if err != nil {
						t.Fatalf("%v %v %d: byte %d ^%#x: %v", mode, k, seq, i, x, err)
					}
					bad := w.tally.errors > errs
					unsol := w.tally.unsolicited != unsolBefore
					if bad && unsol || (bad || unsol) == good {
						t.Fatalf("%v %v %d: byte %d ^%#x: counted as an error %v, as unsolicited %v; checkReply says right %v", mode, k, seq, i, x, bad, unsol, good)
					}
					if unsol && !unsolicitedKind(v.Kind()) {
						t.Fatalf("%v %v %d: byte %d ^%#x: a %v counted as unsolicited", mode, k, seq, i, x, v.Kind())
					}
					if good && pending {
						t.Fatalf("%v %v %d: byte %d ^%#x: still pending", mode, k, seq, i, x)
					}
				}
			}
		}
	}
}
