package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithReply(echo.ReplyExchange))
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown(ctx)

	c, err := client.Dial(ctx, addr.String())
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// Two orders in one write, then their acknowledgements.
	c.Send(wire.Order{ID: 1, Price: 100, Quantity: 5, Side: wire.Buy})
	c.SendFlush(wire.Order{ID: 2, Price: 101, Quantity: 7, Side: wire.Sell})
	for i := 0; i < 2; i++ {
		v, err := c.Recv() // valid until the next Recv
		if err != nil {
			panic(err)
		}
		ack, _ := v.OrderAck()
		fmt.Println(v.Kind(), ack.ID())
	}
	rtt, err := c.Ping(ctx)
	fmt.Println(rtt > 0, err)
	// Output:
	// OrderAck 1
	// OrderAck 2
	// true <nil>
}

func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown(ctx)

	run, err := client.Run(ctx, client.LoadConfig{Command: "ping", Addr: addr.String(), Conns: 2, Count: 1000, WarmupCount: 100})
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Sent, run.Received, run.Errors, run.RTT.TotalCount())
	// Output: 1000 1000 0 1000
}
