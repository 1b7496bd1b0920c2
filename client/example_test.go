package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// The Rust crate's Quick Start in Go: an echo server in the process, a
// channel to it, one message sent and its echo received.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil))
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown(ctx)

	ch, err := client.Dial(ctx, addr.String())
	if err != nil {
		panic(err)
	}
	defer ch.Close()

	order := wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Buy}
	if err := ch.SendFlush(order); err != nil {
		panic(err)
	}
	v, err := ch.Recv()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %+v\n", v.Kind(), v.Message())
	// Output: Order {ID:1 Price:5000000000000 Quantity:100000000 Side:Buy}
}

// A sender and a receiver on two goroutines, like the crate's
// split_channel. CloseWrite ends the sending direction once everything is
// sent; the receiver reads the remaining replies, then io.EOF.
func ExampleConn_Split() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithReply(wire.ReplyExchange))
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown(ctx)
	ch, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
	if err != nil {
		panic(err)
	}
	defer ch.Close()

	tx, rx := ch.Split()
	sendErr := make(chan error, 1)
	go func() {
		for id := uint64(1); id <= 1000; id++ {
			if err := tx.Send(wire.CancelOrder{ID: id}); err != nil { // flushes when the buffer is full
				sendErr <- err
				return
			}
		}
		sendErr <- tx.CloseWrite() // flush, then half-close
	}()
	var acks, last uint64
	for {
		v, err := rx.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		if a, ok := v.CancelAck(); ok {
			acks, last = acks+1, a.ID()
		}
	}
	fmt.Println(acks, last, <-sendErr)
	// Output: 1000 1000 <nil>
}

// Ping measures a round trip. The context bounds it whatever the I/O mode,
// and frames that arrive before the reply are kept for Recv.
func ExampleConn_Ping() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithReply(wire.ReplyExchange))
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown(ctx)
	ch, err := client.Dial(ctx, addr.String(), client.WithIOMode(client.IOBlocking))
	if err != nil {
		panic(err)
	}
	defer ch.Close()

	ch.Send(wire.Order{ID: 7, Price: 100, Quantity: 1, Side: wire.Sell}) // its ack comes before the ping's reply
	pctx, pcancel := context.WithTimeout(ctx, time.Second)
	rtt, err := ch.Ping(pctx)
	pcancel()
	fmt.Println(rtt > 0, err)

	v, _ := ch.Recv() // the ack that Ping kept
	ack, _ := v.OrderAck()
	fmt.Println(v.Kind(), ack.ID())

	// A context that is cancelled fails the Ping with its error; the
	// connection stays usable.
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	_, err = ch.Ping(cctx)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// true <nil>
	// OrderAck 7
	// true
}

func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithReply(wire.ReplyExchange))
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
