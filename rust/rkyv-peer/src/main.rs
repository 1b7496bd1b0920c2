//! Reference peer for the gigadex-events wire format.
//!
//! The payload of every frame is the rkyv 0.7 archived form of `Message`
//! (aligned, little-endian, default features); a frame is a u32 LE length
//! prefix followed by that payload.
//!
//! Line-oriented filter on stdin/stdout:
//!
//!   rkyv-peer encode   text message per line -> hex frame per line
//!   rkyv-peer check    hex frame per line    -> "ok <text message>" or "err <error>"
//!
//! The text form of a message is the one `Display` gives in the
//! gigadex-message crate (for example "order 1 2 3 0"); the Message itself is
//! defined there, once for both programs in this workspace.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use gigadex_message::{Message, Side, PAYLOAD_SIZE};
use rkyv::{AlignedVec, Deserialize};

fn parse_message(line: &str) -> Result<Message, String> {
    let mut words = line.split_ascii_whitespace();
    let name = words.next().ok_or("empty line")?;
    let nums = words
        .map(|w| w.parse::<u64>().map_err(|e| format!("field {w:?}: {e}")))
        .collect::<Result<Vec<u64>, String>>()?;
    let want = match name {
        "heartbeat" | "cancel_order" | "cancel_ack" => 1,
        "order_ack" => 2,
        "order" => 4,
        "trade" => 5,
        _ => return Err(format!("unknown message {name:?}")),
    };
    if nums.len() != want {
        return Err(format!("{name} takes {want} fields, got {}", nums.len()));
    }
    Ok(match name {
        "heartbeat" => Message::Heartbeat { timestamp: nums[0] },
        "order" => Message::Order {
            id: nums[0],
            price: nums[1],
            quantity: nums[2],
            side: match nums[3] {
                0 => Side::Buy,
                1 => Side::Sell,
                s => return Err(format!("side must be 0 or 1, got {s}")),
            },
        },
        "order_ack" => Message::OrderAck { id: nums[0], timestamp: nums[1] },
        "trade" => Message::Trade {
            maker_id: nums[0],
            taker_id: nums[1],
            price: nums[2],
            quantity: nums[3],
            timestamp: nums[4],
        },
        "cancel_order" => Message::CancelOrder { id: nums[0] },
        "cancel_ack" => Message::CancelAck { id: nums[0] },
        _ => unreachable!(),
    })
}

fn encode_line(line: &str, out: &mut String) -> Result<(), String> {
    let msg = parse_message(line)?;
    let payload = rkyv::to_bytes::<_, 256>(&msg).map_err(|e| format!("serialize: {e}"))?;
    assert_eq!(payload.len(), PAYLOAD_SIZE, "archived Message size");
    let prefix = (payload.len() as u32).to_le_bytes();
    for b in prefix.iter().chain(payload.iter()) {
        out.push_str(&format!("{b:02x}"));
    }
    Ok(())
}

fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return Err("odd-length hex".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("bad hex at offset {i}"))
        })
        .collect()
}

/// Validates one frame; the outer Err is malformed input (not a verdict).
fn check_line(line: &str) -> Result<Result<Message, String>, String> {
    let frame = decode_hex(line)?;
    if frame.len() < 4 {
        return Err(format!("frame of {} bytes has no length prefix", frame.len()));
    }
    let declared = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
    let payload = &frame[4..];
    if declared != payload.len() {
        return Err(format!("length prefix {declared} but {} payload bytes", payload.len()));
    }
    let mut aligned = AlignedVec::with_capacity(payload.len());
    aligned.extend_from_slice(payload);
    Ok(match rkyv::check_archived_root::<Message>(&aligned[..]) {
        Ok(archived) => {
            let msg: Message = archived.deserialize(&mut rkyv::Infallible).unwrap();
            Ok(msg)
        }
        Err(e) => Err(e.to_string()),
    })
}

fn run(mode: &str) -> Result<(), String> {
    let stdin = io::stdin().lock();
    let mut stdout = BufWriter::new(io::stdout().lock());
    let mut out = String::new();
    for (n, line) in stdin.lines().enumerate() {
        let line = line.map_err(|e| format!("read stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        out.clear();
        match mode {
            "encode" => encode_line(&line, &mut out),
            _ => check_line(&line).map(|verdict| match verdict {
                Ok(msg) => out.push_str(&format!("ok {msg}")),
                Err(e) => out.push_str(&format!("err {}", e.replace('\n', " "))),
            }),
        }
        .map_err(|e| format!("line {}: {e}", n + 1))?;
        out.push('\n');
        stdout.write_all(out.as_bytes()).map_err(|e| format!("write stdout: {e}"))?;
    }
    stdout.flush().map_err(|e| format!("write stdout: {e}"))
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    if mode != "encode" && mode != "check" {
        eprintln!("usage: rkyv-peer encode|check  (lines on stdin, results on stdout)");
        return ExitCode::from(2);
    }
    match run(&mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rkyv-peer {mode}: {e}");
            ExitCode::FAILURE
        }
    }
}
