package slowpeer

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEchoesInOrder sends frames on two connections and gets each back
// unchanged; Close ends every goroutine, also with frames still queued.
func TestEchoesInOrder(t *testing.T) {
	p, err := Start(100 * time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	if p.Capacity() != 10000 {
		t.Errorf("capacity %v", p.Capacity())
	}
	for c := range 2 {
		nc, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		var frames []byte
		for i := range 10 {
			frames = wire.AppendFrame(frames, &wire.Heartbeat{Timestamp: uint64(100*c + i)})
		}
		if _, err := nc.Write(frames); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(frames))
		if _, err := io.ReadFull(nc, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, frames) {
			t.Errorf("conn %d: replies differ from the frames sent", c)
		}
		nc.Close()
	}
	// Queue frames and close before they are served.
	nc, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	var many []byte
	for i := range 1000 {
		many = wire.AppendFrame(many, &wire.Heartbeat{Timestamp: uint64(i)})
	}
	nc.Write(many)
	if err := p.Close(); err != nil {
		t.Error(err)
	}
	nc.Close()
}

func TestStartRejects(t *testing.T) {
	if _, err := Start(0); err == nil {
		t.Error("a zero service time was accepted")
	}
}

// verdictTB records what CheckCapacity decides instead of ending the test.
type verdictTB struct {
	testing.TB
	verdict string
}

func (v *verdictTB) Helper()               {}
func (v *verdictTB) Skipf(string, ...any)  { v.verdict = "skip" }
func (v *verdictTB) Errorf(string, ...any) { v.verdict = "error" }

func TestCheckCapacity(t *testing.T) {
	p, err := Start(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	type attempt struct {
		found   float64
		stalled bool
	}
	tests := []struct {
		name     string
		attempts []attempt
		want     string
		runs     int
	}{
		{"first search finds it", []attempt{{900, false}}, "", 1},
		{"third search finds it", []attempt{{100, false}, {0, true}, {850, false}}, "", 3},
		{"never found, not stalled", []attempt{{100, false}, {0, false}, {500, false}}, "error", 3},
		{"never found, one not stalled", []attempt{{100, true}, {0, false}, {500, true}}, "error", 3},
		{"never found, every search stalled", []attempt{{100, true}, {0, true}, {500, true}}, "error", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &verdictTB{TB: t}
			runs := 0
			p.CheckCapacity(v, 800, 1030, func(n int) (float64, bool) {
				if n != runs+1 {
					t.Errorf("attempt %d after %d runs", n, runs)
				}
				a := tt.attempts[runs]
				runs++
				return a.found, a.stalled
			})
			if v.verdict != tt.want || runs != tt.runs {
				t.Errorf("verdict %q after %d searches, want %q after %d", v.verdict, runs, tt.want, tt.runs)
			}
		})
	}
}
