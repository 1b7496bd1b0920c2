package echo_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// ExampleServer starts an exchange-mode server on a free loopback port,
// sends it an Order and a Heartbeat in one write, and reads the replies.
func ExampleServer() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithReply(wire.ReplyExchange))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(ctx)

	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	req := wire.AppendOrder(nil, &wire.Order{ID: 42, Price: 100, Quantity: 5, Side: wire.Buy})
	req = wire.AppendHeartbeat(req, 1234)
	if _, err := c.Write(req); err != nil {
		fmt.Println(err)
		return
	}
	replies := make([]byte, len(req))
	if _, err := io.ReadFull(c, replies); err != nil {
		fmt.Println(err)
		return
	}
	for off := 0; off < len(replies); off += wire.FrameLen {
		v, _, err := wire.ParseFrame(replies[off:])
		if err != nil {
			fmt.Println(err)
			return
		}
		switch v.Kind() {
		case wire.KindOrderAck:
			ack, _ := v.OrderAck()
			fmt.Println("OrderAck for order", ack.ID())
		case wire.KindHeartbeat:
			hb, _ := v.Heartbeat()
			fmt.Println("Heartbeat", hb.Timestamp())
		}
	}
	c.Close()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Println(err)
		return
	}
	st := srv.Stats()
	fmt.Printf("%d messages, %d replies\n", st.Messages, st.Replies)
	// Output:
	// OrderAck for order 42
	// Heartbeat 1234
	// 2 messages, 2 replies
}
