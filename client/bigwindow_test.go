package client_test

import (
	"testing"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/internal/sock"
)

// TestWindowLargerThanTheSocketBuffers: a flood whose window holds many
// times what the socket buffers do reads its replies whenever a write
// would block, so the peer, which stops reading while it cannot write its
// replies, never waits for it: every message is answered.
func TestWindowLargerThanTheSocketBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("9 s under the race detector; the plain run asserts it")
	}
	if !sock.Raw {
		t.Skip("without raw system calls a flush waits until it is written")
	}
	addr := startEcho(t)
	const window = 1 << 18 // 13.6 MB in flight: more than the socket buffers hold
	for _, mode := range []client.IOMode{client.IOPoller, client.IOBlocking} {
		t.Run(mode.String(), func(t *testing.T) {
			run, err := client.Run(testCtx(t), client.LoadConfig{Command: "flood", Addr: addr, Window: window, Count: 2 * window,
				Options: []client.Option{client.WithIOMode(mode)}})
			if err != nil {
				t.Fatal(err)
			}
			if run.Sent != 2*window || run.Received != run.Sent || run.Errors != 0 {
				t.Fatalf("sent %d, received %d, errors %d (%v); want %d, all answered", run.Sent, run.Received, run.Errors, run.ErrorSamples, 2*window)
			}
		})
	}
}
