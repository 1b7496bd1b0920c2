package wire_test

import (
	"fmt"

	"github.com/gigadex/gigadex/wire"
)

func ExampleAppendFrame() {
	b := wire.AppendFrame(nil, wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Buy})
	fmt.Printf("%d bytes: %x\n", len(b), b[:12])
	// Output: 52 bytes: 300000000100000000000000
}

func ExampleParseFrame() {
	b := wire.AppendOrderAck(nil, 42, 123456789)
	v, n, err := wire.ParseFrame(b)
	if err != nil {
		panic(err)
	}
	ack, _ := v.OrderAck()
	fmt.Println(n, v.Kind(), ack.ID(), ack.Timestamp())
	// Output: 52 OrderAck 42 123456789
}

func ExampleDecoder_Feed() {
	stream := wire.AppendHeartbeat(nil, 7)
	stream = wire.AppendCancelOrder(stream, 99)
	var d wire.Decoder
	show := func(v wire.View) error {
		fmt.Println(string(wire.AppendJSON(nil, v.Message())))
		return nil
	}
	// The stream arrives in two pieces, split inside the second frame.
	_ = d.Feed(stream[:60], show)
	_ = d.Feed(stream[60:], show)
	// Output:
	// {"Heartbeat":{"timestamp":7}}
	// {"CancelOrder":{"id":99}}
}

func ExampleFrameError() {
	b := wire.AppendOrder(nil, &wire.Order{ID: 1})
	b[4+32] = 2 // side byte
	_, _, err := wire.ParseFrame(b)
	fmt.Println(err)
	// Output: wire: frame at byte 0: field side: invalid value 2 (invalid side)
}

func ExampleParseJSON() {
	m, err := wire.ParseJSON([]byte(`{"Order":{"id":1,"price":5000000000000,"quantity":100000000,"side":"Sell"}}`))
	fmt.Printf("%+v %v\n", m, err)
	// Output: {ID:1 Price:5000000000000 Quantity:100000000 Side:Sell} <nil>
}
