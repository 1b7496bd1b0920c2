package echo_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// TestBlockingIO serves blocking sockets: answers, idle timeouts and a
// graceful shutdown must work as with the network poller.
func TestBlockingIO(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithBlockingIO(true),
		echo.WithIdleTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, addr.String(), client.WithBlockingIO(true), client.WithRecvTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 200; i++ {
		if _, err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Shutdown ends the pinging connection's blocked read promptly.
	c.SendFlush(wire.Heartbeat{Timestamp: 1})
	if _, err := c.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v", d)
	}

	srv, addr, err = echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithBlockingIO(true),
		echo.WithIdleTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A silent client is dropped after the idle timeout.
	idle, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle client: %v, want EOF", err)
	}
}

// TestBlockingIOLimit: past GOMAXPROCS-1 connections, the server falls back
// to the network poller, so every connection is still served.
func TestBlockingIOLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithBlockingIO(true))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var conns []*client.Conn
	for i := 0; i < 8; i++ {
		c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for round := 0; round < 20; round++ {
		for i, c := range conns {
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("round %d, connection %d: %v", round, i, err)
			}
		}
	}
}
