package client_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startEcho starts an in-process echo server on loopback for one test.
func startEcho(t testing.TB, opts ...echo.Option) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", append([]echo.Option{echo.WithLogger(nil)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return addr.String()
}

// dial connects to addr; the connection is closed when the test ends.
func dial(t testing.TB, addr string, opts ...client.Option) *client.Conn {
	t.Helper()
	c, err := client.Dial(testCtx(t), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
