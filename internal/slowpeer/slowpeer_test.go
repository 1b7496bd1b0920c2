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
