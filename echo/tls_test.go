package echo_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

func TestTLS(t *testing.T) {
	cert, pool := testutil.SelfSigned(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil),
		echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)

	c, err := client.Dial(ctx, addr.String(), client.WithTLS(&tls.Config{RootCAs: pool}), client.WithRecvTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := uint64(0); i < 100; i++ {
		c.Send(wire.CancelOrder{ID: i})
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i < 100; i++ {
		v, err := c.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if co, ok := v.CancelOrder(); !ok || co.ID() != i {
			t.Fatalf("got %v", v.Message())
		}
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// A client that does not trust the certificate fails the handshake.
	if _, err := client.Dial(ctx, addr.String(), client.WithTLS(&tls.Config{})); err == nil {
		t.Fatal("dial with an untrusted certificate succeeded")
	}
	// A plain TCP client gets no echo from a TLS server.
	plain, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.SendFlush(wire.CancelOrder{ID: 1})
	if v, err := plain.Recv(); err == nil {
		t.Fatalf("plain client got %v from a TLS server", v.Message())
	}
}
