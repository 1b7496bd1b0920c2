package wire_test

import (
	"bytes"
	"fmt"
	"io"
	"testing/iotest"

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

func ExampleDecode() {
	b := wire.AppendOrder(nil, &wire.Order{ID: 7, Price: 100, Quantity: 3, Side: wire.Sell})
	b = wire.AppendCancelOrder(b, 7)
	for len(b) > 0 {
		m, n, err := wire.Decode(b) // a copy: b may be reused at once
		if err != nil {
			panic(err)
		}
		fmt.Printf("%T %+v\n", m, m)
		b = b[n:]
	}
	_, _, err := wire.Decode(wire.AppendHeartbeat(nil, 1)[:10])
	fmt.Println(err)
	// Output:
	// wire.Order {ID:7 Price:100 Quantity:3 Side:Sell}
	// wire.CancelOrder {ID:7}
	// unexpected EOF
}

func ExampleValidate() {
	fmt.Println(wire.Validate(wire.Order{ID: 1, Side: wire.Sell}))
	fmt.Println(wire.Validate(wire.Order{ID: 1, Side: 9}))
	fmt.Println(wire.Validate(nil))
	// Output:
	// <nil>
	// wire: frame at byte 0: field side: invalid value 9 (invalid side)
	// wire: not a message variant
}

// A Decoder reads frames from a stream as they arrive, whatever the size of
// the reads: here a reader that returns one byte at a time.
func ExampleDecoder() {
	var stream []byte
	for i := uint64(1); i <= 3; i++ {
		stream = wire.AppendOrderAck(stream, i, 1000*i)
	}
	r := iotest.OneByteReader(bytes.NewReader(stream))
	var d wire.Decoder
	buf := make([]byte, 5)
	for {
		n, err := r.Read(buf)
		if ferr := d.Feed(buf[:n], func(v wire.View) error {
			ack, _ := v.OrderAck() // v is valid until the callback returns
			fmt.Println(v.Kind(), ack.ID(), ack.Timestamp())
			return nil
		}); ferr != nil {
			panic(ferr)
		}
		if err == io.EOF {
			break
		}
	}
	fmt.Println(d.Close()) // nil: the stream ended between frames
	// Output:
	// OrderAck 1 1000
	// OrderAck 2 2000
	// OrderAck 3 3000
	// <nil>
}
