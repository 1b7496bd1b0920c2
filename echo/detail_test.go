package echo

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

func TestServiceBucket(t *testing.T) {
	tests := []struct {
		ns   int64
		want int
	}{
		{-5, 0}, {0, 0}, {1, 0}, {1000, 0}, {1001, 1}, {2000, 1}, {2001, 2}, {4000, 2}, {4001, 3},
		{int64(ServiceBound(10)), 10}, {int64(ServiceBound(10)) + 1, 11},
		{int64(ServiceBound(ServiceBuckets - 2)), ServiceBuckets - 2},
		{int64(ServiceBound(ServiceBuckets-2)) + 1, ServiceBuckets - 1}, {int64(time.Hour), ServiceBuckets - 1},
	}
	for _, tt := range tests {
		if got := ServiceBucket(time.Duration(tt.ns)); got != tt.want {
			t.Errorf("ServiceBucket(%d) = %d, want %d", tt.ns, got, tt.want)
		}
		if b := ServiceBound(tt.want); b >= 0 && tt.ns > int64(b) {
			t.Errorf("%d ns in bucket %d, above its bound %v", tt.ns, tt.want, b)
		}
	}
	if ServiceBound(ServiceBuckets-1) != -1 {
		t.Errorf("the last bucket has bound %v, want none (-1)", ServiceBound(ServiceBuckets-1))
	}
}

// TestDetailedStats sends every kind of frame, then a malformed one and
// frames after it in the same write: the counts by type are those of the
// frames answered, before any was turned into its reply, and add up to
// Stats.Messages.
func TestDetailedStats(t *testing.T) {
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		t.Run(r.String(), func(t *testing.T) {
			ts := startServer(t, WithReply(r), WithDetailedStats(true))
			c := ts.dial(t)
			good := mixedFrames(6*50 + 2) // 51 heartbeats and orders, 50 of the rest
			var want [wire.NumKinds]int64
			want[wire.KindHeartbeat], want[wire.KindOrder] = 51, 51
			for _, k := range []wire.Kind{wire.KindOrderAck, wire.KindTrade, wire.KindCancelOrder, wire.KindCancelAck} {
				want[k] = 50
			}
			batches := 3
			for range batches - 1 {
				if _, err := c.Write(good); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, len(good))); err != nil {
					t.Fatal(err)
				}
			}
			for k := range want {
				want[k] *= int64(batches)
			}
			bad := wire.AppendHeartbeat(nil, 1)
			bad[wire.LengthPrefixSize] = 9 // no such tag
			last := append(append(append([]byte{}, good...), bad...), good...)
			if _, err := c.Write(last); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, make([]byte, len(good))); err != nil {
				t.Fatal(err)
			}
			c.Close() // ends the server's linger after the bad frame
			waitFor(t, "the connection to close", func() bool { return ts.Stats().Active == 0 })
			st := ts.Stats()
			if st.Kinds != want {
				t.Errorf("Kinds = %v, want %v", st.Kinds, want)
			}
			var sum int64
			for _, n := range st.Kinds {
				sum += n
			}
			if sum != st.Messages {
				t.Errorf("Kinds add up to %d, Messages = %d", sum, st.Messages)
			}
			// A write may arrive in more than one read, each a batch; the
			// first batch and one in timeEvery after it are timed.
			if n := st.Service.Count(); n < 1 || n > st.Messages/timeEvery+1 {
				t.Errorf("%d batches timed, want from 1 to %d", n, st.Messages/timeEvery+1)
			}
			if st.Service.Sum <= 0 {
				t.Errorf("service time sum %v, want > 0", st.Service.Sum)
			}
		})
	}
}

func TestNoDetailedStatsByDefault(t *testing.T) {
	ts := startServer(t)
	c := ts.dial(t)
	good := mixedFrames(12)
	if _, err := c.Write(good); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(good))); err != nil {
		t.Fatal(err)
	}
	st := ts.Stats()
	if st.Messages != 12 || st.Kinds != [wire.NumKinds]int64{} || st.Service.Count() != 0 {
		t.Errorf("Messages %d, Kinds %v, %d batches timed; want 12, none, none", st.Messages, st.Kinds, st.Service.Count())
	}
}

// TestDetailedStatsBook counts the requests of a book server by type,
// whatever it answers.
func TestDetailedStatsBook(t *testing.T) {
	ts := startServer(t, WithReply(wire.ReplyBook), WithDetailedStats(true))
	c := ts.dial(t)
	var req []byte
	for i := range 40 {
		req = wire.AppendOrder(req, &wire.Order{ID: uint64(i + 1), Price: uint64(100 + i%5), Quantity: 10, Side: wire.Side(i % 2)})
	}
	for i := range 10 {
		req = wire.AppendCancelOrder(req, uint64(i+1))
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "50 messages", func() bool { return ts.Stats().Messages == 50 })
	st := ts.Stats()
	if st.Kinds[wire.KindOrder] != 40 || st.Kinds[wire.KindCancelOrder] != 10 {
		t.Errorf("Kinds = %v, want 40 orders and 10 cancels", st.Kinds)
	}
	if st.Service.Count() == 0 {
		t.Error("no batch timed")
	}
	if ts.Reply() != wire.ReplyBook {
		t.Errorf("Reply() = %v, want book", ts.Reply())
	}
}

// discardIO is a connection's I/O whose writes go nowhere.
type discardIO struct{ sock.IO }

func (discardIO) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkAnswerDetailed measures what WithDetailedStats adds to the
// answer of a batch, without system calls: a lone frame (ping-pong) and a
// full 64 KiB batch (flood). One op is one batch; compare plain and
// detailed of the same size, by cpu-ns/op (the process's CPU time) on a
// shared machine.
func BenchmarkAnswerDetailed(b *testing.B) {
	for _, frames := range []int{1, DefaultReadBufferSize / wire.FrameLen} {
		for _, detailed := range []bool{false, true} {
			name := fmt.Sprintf("frames=%d/plain", frames)
			if detailed {
				name = fmt.Sprintf("frames=%d/detailed", frames)
			}
			b.Run(name, func(b *testing.B) {
				s := NewServer(WithDetailedStats(detailed), WithLogger(nil))
				c := &conn{srv: s, io: discardIO{}}
				if detailed {
					c.det = new(detail)
				}
				src := mixedFrames(frames)
				c.buf = make([]byte, len(src))
				b.ReportAllocs()
				cpu := testutil.CPUTime()
				for b.Loop() {
					copy(c.buf, src)
					if have, ok := c.answerCounted(len(src)); !ok || have != 0 {
						b.Fatalf("answer: %d left, ok %v", have, ok)
					}
				}
				// The machine may be shared: the process's CPU time per op
				// tells more than the time per op.
				b.ReportMetric(float64(testutil.CPUTime()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
