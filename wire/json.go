package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AppendJSON appends m in serde's externally tagged JSON form, exactly as a
// Rust peer's serde_json prints the crate's Message:
//
//	{"Order":{"id":1,"price":5000000000000,"quantity":100000000,"side":"Buy"}}
func AppendJSON(b []byte, m Message) []byte {
	u := strconv.AppendUint
	switch m := deref(m).(type) {
	case Heartbeat:
		b = append(b, `{"Heartbeat":{"timestamp":`...)
		b = u(b, m.Timestamp, 10)
	case Order:
		b = append(b, `{"Order":{"id":`...)
		b = u(b, m.ID, 10)
		b = append(b, `,"price":`...)
		b = u(b, m.Price, 10)
		b = append(b, `,"quantity":`...)
		b = u(b, m.Quantity, 10)
		b = append(b, `,"side":"`...)
		b = append(b, m.Side.String()...)
		b = append(b, '"')
	case OrderAck:
		b = append(b, `{"OrderAck":{"id":`...)
		b = u(b, m.ID, 10)
		b = append(b, `,"timestamp":`...)
		b = u(b, m.Timestamp, 10)
	case Trade:
		b = append(b, `{"Trade":{"maker_id":`...)
		b = u(b, m.MakerID, 10)
		b = append(b, `,"taker_id":`...)
		b = u(b, m.TakerID, 10)
		b = append(b, `,"price":`...)
		b = u(b, m.Price, 10)
		b = append(b, `,"quantity":`...)
		b = u(b, m.Quantity, 10)
		b = append(b, `,"timestamp":`...)
		b = u(b, m.Timestamp, 10)
	case CancelOrder:
		b = append(b, `{"CancelOrder":{"id":`...)
		b = u(b, m.ID, 10)
	case CancelAck:
		b = append(b, `{"CancelAck":{"id":`...)
		b = u(b, m.ID, 10)
	default:
		panic("wire: AppendJSON of a non-variant type")
	}
	return append(b, "}}"...)
}

func deref(m Message) Message {
	switch p := m.(type) {
	case *Heartbeat:
		return *p
	case *Order:
		return *p
	case *OrderAck:
		return *p
	case *Trade:
		return *p
	case *CancelOrder:
		return *p
	case *CancelAck:
		return *p
	}
	return m
}

// variantFields lists each variant's serde field names in declaration order.
var variantFields = map[string][]string{
	"Heartbeat":   {"timestamp"},
	"Order":       {"id", "price", "quantity", "side"},
	"OrderAck":    {"id", "timestamp"},
	"Trade":       {"maker_id", "taker_id", "price", "quantity", "timestamp"},
	"CancelOrder": {"id"},
	"CancelAck":   {"id"},
}

// ErrJSON is wrapped by every error of [ParseJSON].
var ErrJSON = errors.New("wire: bad message JSON")

// ParseJSON parses one message in serde's externally tagged JSON form. It is
// strict: an unknown variant, a missing or extra field, a number that is not
// a uint64 and a side other than "Buy" or "Sell" are errors wrapping ErrJSON.
func ParseJSON(data []byte) (Message, error) {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(data, &outer); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	if len(outer) != 1 {
		return nil, fmt.Errorf("%w: want one variant key, got %d", ErrJSON, len(outer))
	}
	var name string
	var body json.RawMessage
	for name, body = range outer {
	}
	want, ok := variantFields[name]
	if !ok {
		return nil, fmt.Errorf("%w: unknown variant %q", ErrJSON, name)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%w: %s: body is not an object", ErrJSON, name)
	}
	for k := range fields {
		if !slices.Contains(want, k) {
			return nil, fmt.Errorf("%w: %s: unknown field %q (%s has %s)", ErrJSON, name, k, name, strings.Join(want, ", "))
		}
	}
	var v [5]uint64
	var side Side
	for i, f := range want {
		raw, ok := fields[f]
		if !ok {
			return nil, fmt.Errorf("%w: %s: missing field %q", ErrJSON, name, f)
		}
		var err error
		if f == "side" {
			side, err = parseSide(raw)
		} else {
			v[i], err = parseU64(raw)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: field %q: %v", ErrJSON, name, f, err)
		}
	}
	switch name {
	case "Heartbeat":
		return Heartbeat{Timestamp: v[0]}, nil
	case "Order":
		return Order{ID: v[0], Price: v[1], Quantity: v[2], Side: side}, nil
	case "OrderAck":
		return OrderAck{ID: v[0], Timestamp: v[1]}, nil
	case "Trade":
		return Trade{MakerID: v[0], TakerID: v[1], Price: v[2], Quantity: v[3], Timestamp: v[4]}, nil
	case "CancelOrder":
		return CancelOrder{ID: v[0]}, nil
	}
	return CancelAck{ID: v[0]}, nil
}

func parseU64(raw json.RawMessage) (uint64, error) {
	s := string(bytes.TrimSpace(raw))
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%s is out of range for u64", s)
		}
		return 0, fmt.Errorf("%s is not a u64", s)
	}
	return n, nil
}

func parseSide(raw json.RawMessage) (Side, error) {
	switch string(bytes.TrimSpace(raw)) {
	case `"Buy"`:
		return Buy, nil
	case `"Sell"`:
		return Sell, nil
	}
	return 0, fmt.Errorf(`%s is not "Buy" or "Sell"`, raw)
}
