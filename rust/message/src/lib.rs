//! The gigadex-events `Message`, defined exactly as the original Rust crate
//! defines it, so that rkyv 0.7 archives it to the same 48 bytes.
//!
//! A frame is a u32 little-endian length prefix (always 48) followed by the
//! archived `Message` (rkyv 0.7, aligned, little-endian, default features).
//! Both programs in this workspace use this one definition: `rkyv-peer`, the
//! encoder/validator behind gigadex's conformance test, and `rust-peer`, the
//! tokio pair gigadex is measured against.

use std::fmt;

use rkyv::{Archive, Deserialize, Serialize};

/// The side of an order.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[archive_attr(derive(bytecheck::CheckBytes, Debug))]
pub enum Side {
    Buy,
    Sell,
}

/// One gigadex-events message: the payload of every frame.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[archive_attr(derive(bytecheck::CheckBytes, Debug))]
pub enum Message {
    Heartbeat { timestamp: u64 },
    Order { id: u64, price: u64, quantity: u64, side: Side },
    OrderAck { id: u64, timestamp: u64 },
    Trade { maker_id: u64, taker_id: u64, price: u64, quantity: u64, timestamp: u64 },
    CancelOrder { id: u64 },
    CancelAck { id: u64 },
}

/// Size of the archived `Message`, i.e. of every payload.
pub const PAYLOAD_SIZE: usize = 48;
/// Size of the length prefix before every payload.
pub const PREFIX_SIZE: usize = 4;
/// Size of one frame: prefix and payload.
pub const FRAME_LEN: usize = PREFIX_SIZE + PAYLOAD_SIZE;
const _: () = assert!(std::mem::size_of::<ArchivedMessage>() == PAYLOAD_SIZE);

/// The text form of a message (decimal fields, side 0 = Buy, 1 = Sell), the
/// one `rkyv-peer` reads and writes:
///
///   heartbeat TIMESTAMP
///   order ID PRICE QUANTITY SIDE
///   order_ack ID TIMESTAMP
///   trade MAKER_ID TAKER_ID PRICE QUANTITY TIMESTAMP
///   cancel_order ID
///   cancel_ack ID
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Message::Heartbeat { timestamp } => write!(f, "heartbeat {timestamp}"),
            Message::Order { id, price, quantity, side } => {
                let side = match side {
                    Side::Buy => 0,
                    Side::Sell => 1,
                };
                write!(f, "order {id} {price} {quantity} {side}")
            }
            Message::OrderAck { id, timestamp } => write!(f, "order_ack {id} {timestamp}"),
            Message::Trade { maker_id, taker_id, price, quantity, timestamp } => {
                write!(f, "trade {maker_id} {taker_id} {price} {quantity} {timestamp}")
            }
            Message::CancelOrder { id } => write!(f, "cancel_order {id}"),
            Message::CancelAck { id } => write!(f, "cancel_ack {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_archives_to_one_payload() {
        let all = [
            Message::Heartbeat { timestamp: 1 },
            Message::Order { id: 1, price: 2, quantity: 3, side: Side::Sell },
            Message::OrderAck { id: 1, timestamp: 2 },
            Message::Trade { maker_id: 1, taker_id: 2, price: 3, quantity: 4, timestamp: 5 },
            Message::CancelOrder { id: 1 },
            Message::CancelAck { id: 1 },
        ];
        for m in all {
            let b = rkyv::to_bytes::<_, 256>(&m).expect("serialize");
            assert_eq!(b.len(), PAYLOAD_SIZE, "{m}");
            let back: Message = rkyv::check_archived_root::<Message>(&b[..])
                .expect("valid")
                .deserialize(&mut rkyv::Infallible)
                .expect("infallible");
            assert_eq!(back, m);
        }
    }
}
