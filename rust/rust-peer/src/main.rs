//! Rust peer for the gigadex-events protocol: a tokio echo server and ping
//! and flood clients, built the way the original gigadex-events crate is
//! (tokio TcpStream, u32 LE length prefix, rkyv 0.7 archived `Message`).
//! Every frame is validated with `rkyv::check_archived_root` on both sides,
//! and every message a client sends is serialized with rkyv.
//!
//!   rust-peer echo ADDR
//!       Prints "listening on HOST:PORT" (port 0 picks a free one), then sends
//!       every frame back unchanged. A bad frame closes that connection.
//!   rust-peer ping ADDR COUNT WARMUP
//!       One connection, one Heartbeat in flight; WARMUP round trips, then
//!       COUNT measured ones. Prints
//!       "rtt_ns count=N p50=.. p90=.. p99=.. p99_9=.. max=..".
//!   rust-peer flood ADDR CONNS WINDOW SECONDS [WARMUP_SECONDS]
//!       CONNS connections with WINDOW messages in flight on each (90% Order,
//!       10% CancelOrder); echoed messages are counted for SECONDS after a
//!       warmup (default 1 s). Prints "msgs_per_sec=N received=N ...".
//!   rust-peer wire-bench [ITERATIONS]
//!       Times rkyv itself on an Order, in ns per message: serialize with
//!       to_bytes (a new buffer each time) and into a reused buffer, validate
//!       and read the fields in place, validate and deserialize.

use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gigadex_message::{ArchivedMessage, ArchivedSide, Message, Side, FRAME_LEN, PAYLOAD_SIZE, PREFIX_SIZE};
use rkyv::ser::serializers::AlignedSerializer;
use rkyv::ser::Serializer;
use rkyv::{AlignedVec, Deserialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpListener, TcpStream};

/// Bytes read from a socket at a time by the echo server.
const READ_BUFFER: usize = 64 * 1024;

/// rkyv validates alignment, and a payload sits at offset 4 of its frame, so
/// each one is copied here (48 bytes) before it is checked.
#[repr(C, align(16))]
struct Scratch([u8; PAYLOAD_SIZE]);

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Validates the frame at the start of `frame` (at least FRAME_LEN bytes) and
/// returns its archived message, which lives in `scratch`.
fn check_frame<'a>(frame: &[u8], scratch: &'a mut Scratch) -> io::Result<&'a ArchivedMessage> {
    let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
    if len != PAYLOAD_SIZE {
        return Err(invalid(format!("length prefix {len}, want {PAYLOAD_SIZE}")));
    }
    scratch.0.copy_from_slice(&frame[PREFIX_SIZE..FRAME_LEN]);
    rkyv::check_archived_root::<Message>(&scratch.0[..]).map_err(|e| invalid(format!("bad frame: {e}")))
}

/// Rejects a length prefix as soon as its 4 bytes are in.
fn check_prefix(b: &[u8]) -> io::Result<()> {
    let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if len != PAYLOAD_SIZE {
        return Err(invalid(format!("length prefix {len}, want {PAYLOAD_SIZE}")));
    }
    Ok(())
}

/// Appends the frame of `msg` to `out`, serializing with rkyv into `ser`
/// (reused, so steady state does not allocate).
fn append_frame(out: &mut Vec<u8>, ser: &mut AlignedVec, msg: &Message) {
    ser.clear();
    let mut s = AlignedSerializer::new(&mut *ser);
    s.serialize_value(msg).expect("serializing into memory cannot fail");
    debug_assert_eq!(ser.len(), PAYLOAD_SIZE);
    out.extend_from_slice(&(ser.len() as u32).to_le_bytes());
    out.extend_from_slice(ser.as_slice());
}

// ---- echo ----

async fn echo(addr: String) -> io::Result<()> {
    let ln = TcpListener::bind(&addr).await?;
    println!("listening on {}", ln.local_addr()?);
    loop {
        let (conn, peer) = ln.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = echo_conn(conn).await {
                if e.kind() == io::ErrorKind::InvalidData {
                    eprintln!("rust-peer echo: {peer}: {e}");
                }
            }
        });
    }
}

/// Reads what the socket has, validates every complete frame and writes them
/// all back with one write; a partial frame waits for the next read.
async fn echo_conn(mut conn: TcpStream) -> io::Result<()> {
    conn.set_nodelay(true)?;
    let mut buf = vec![0u8; READ_BUFFER];
    let mut have = 0;
    let mut scratch = Scratch([0; PAYLOAD_SIZE]);
    loop {
        let n = conn.read(&mut buf[have..]).await?;
        if n == 0 {
            return Ok(());
        }
        have += n;
        let mut off = 0;
        while have - off >= FRAME_LEN {
            check_frame(&buf[off..], &mut scratch)?;
            off += FRAME_LEN;
        }
        if have - off >= PREFIX_SIZE {
            check_prefix(&buf[off..])?;
        }
        if off > 0 {
            conn.write_all(&buf[..off]).await?;
            buf.copy_within(off..have, 0);
            have -= off;
        }
    }
}

// ---- ping ----

async fn ping(addr: String, count: usize, warmup: usize) -> io::Result<()> {
    let mut conn = TcpStream::connect(&addr).await?;
    conn.set_nodelay(true)?;
    let mut out = Vec::with_capacity(FRAME_LEN);
    let mut ser = AlignedVec::with_capacity(PAYLOAD_SIZE);
    let mut reply = [0u8; FRAME_LEN];
    let mut scratch = Scratch([0; PAYLOAD_SIZE]);
    let mut rtts: Vec<u64> = Vec::with_capacity(count);
    let epoch = Instant::now();
    for i in 0..warmup + count {
        let start = Instant::now();
        let stamp = start.duration_since(epoch).as_nanos() as u64;
        out.clear();
        append_frame(&mut out, &mut ser, &Message::Heartbeat { timestamp: stamp });
        conn.write_all(&out).await?;
        conn.read_exact(&mut reply).await?;
        match check_frame(&reply, &mut scratch)? {
            ArchivedMessage::Heartbeat { timestamp } if *timestamp == stamp => {}
            m => return Err(invalid(format!("reply {m:?} is not the Heartbeat sent"))),
        }
        let rtt = start.elapsed().as_nanos() as u64;
        if i >= warmup {
            rtts.push(rtt);
        }
    }
    rtts.sort_unstable();
    let q = |p: f64| -> u64 {
        if rtts.is_empty() {
            return 0;
        }
        let i = ((p / 100.0) * rtts.len() as f64).ceil() as usize;
        rtts[i.clamp(1, rtts.len()) - 1]
    };
    println!(
        "rtt_ns count={} p50={} p90={} p99={} p99_9={} max={}",
        rtts.len(),
        q(50.0),
        q(90.0),
        q(99.0),
        q(99.9),
        rtts.last().copied().unwrap_or(0)
    );
    Ok(())
}

// ---- flood ----

fn flood_message(seq: u64) -> Message {
    if seq % 10 == 9 {
        Message::CancelOrder { id: seq }
    } else {
        Message::Order {
            id: seq,
            price: 5_000_000_000_000 + (seq % 1000),
            quantity: 100_000_000,
            side: if seq % 2 == 0 { Side::Buy } else { Side::Sell },
        }
    }
}

fn echoed_id(m: &ArchivedMessage) -> Option<u64> {
    match m {
        ArchivedMessage::Order { id, .. } | ArchivedMessage::CancelOrder { id } => Some(*id),
        _ => None,
    }
}

/// Keeps `window` messages in flight on one connection until `stop`, adding
/// the echoed messages to `received` once per read. One task does both
/// directions: it waits for readability and, while output is pending,
/// writability, so a full send buffer never stops it from reading.
async fn flood_conn(
    addr: String,
    window: usize,
    stop: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
) -> io::Result<()> {
    let conn = TcpStream::connect(&addr).await?;
    conn.set_nodelay(true)?;
    let mut ser = AlignedVec::with_capacity(PAYLOAD_SIZE);
    let mut scratch = Scratch([0; PAYLOAD_SIZE]);
    let mut out: Vec<u8> = Vec::with_capacity(2 * window * FRAME_LEN);
    let mut out_off = 0;
    let mut buf = vec![0u8; READ_BUFFER.max(window * FRAME_LEN + FRAME_LEN)];
    let mut have = 0;
    let (mut next_send, mut next_recv) = (0u64, 0u64);
    for _ in 0..window {
        append_frame(&mut out, &mut ser, &flood_message(next_send));
        next_send += 1;
    }
    while !stop.load(Ordering::Relaxed) {
        let interest = if out_off < out.len() { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
        let ready = conn.ready(interest).await?;
        if ready.is_writable() && out_off < out.len() {
            match conn.try_write(&out[out_off..]) {
                Ok(n) => out_off += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if out_off == out.len() {
                out.clear();
                out_off = 0;
            }
        }
        if !ready.is_readable() {
            continue;
        }
        let n = match conn.try_read(&mut buf[have..]) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed the connection")),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        };
        have += n;
        let mut off = 0;
        while have - off >= FRAME_LEN {
            let m = check_frame(&buf[off..], &mut scratch)?;
            if echoed_id(m) != Some(next_recv) {
                return Err(invalid(format!("reply {m:?}: want the message with id {next_recv}")));
            }
            next_recv += 1;
            off += FRAME_LEN;
        }
        if have - off >= PREFIX_SIZE {
            check_prefix(&buf[off..])?;
        }
        buf.copy_within(off..have, 0);
        have -= off;
        let got = (off / FRAME_LEN) as u64;
        if got == 0 {
            continue;
        }
        received.fetch_add(got, Ordering::Relaxed);
        if out_off > 0 {
            out.drain(..out_off);
            out_off = 0;
        }
        for _ in 0..got {
            append_frame(&mut out, &mut ser, &flood_message(next_send));
            next_send += 1;
        }
        match conn.try_write(&out) {
            Ok(n) => out_off = n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if out_off == out.len() {
            out.clear();
            out_off = 0;
        }
    }
    Ok(())
}

async fn flood(addr: String, conns: usize, window: usize, seconds: f64, warmup: f64) -> io::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let (failed_tx, mut failed_rx) = tokio::sync::mpsc::unbounded_channel::<io::Error>();
    for _ in 0..conns {
        let (addr, stop, received, failed) = (addr.clone(), stop.clone(), received.clone(), failed_tx.clone());
        tokio::spawn(async move {
            if let Err(e) = flood_conn(addr, window, stop, received).await {
                let _ = failed.send(e);
            }
        });
    }
    drop(failed_tx);
    let measure = async {
        tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
        let (c0, t0) = (received.load(Ordering::Relaxed), Instant::now());
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        let (c1, t1) = (received.load(Ordering::Relaxed), Instant::now());
        (c1 - c0, t1.duration_since(t0))
    };
    let (got, took) = tokio::select! {
        r = measure => r,
        Some(e) = failed_rx.recv() => return Err(e),
    };
    stop.store(true, Ordering::Relaxed);
    println!(
        "msgs_per_sec={:.0} received={} conns={} window={} seconds={:.3}",
        got as f64 / took.as_secs_f64(),
        got,
        conns,
        window,
        took.as_secs_f64()
    );
    Ok(())
}

// ---- wire-bench ----

/// Returns `x` through a volatile read, so the optimizer cannot see what it
/// points to (std::hint::black_box without needing Rust 1.66).
fn opaque<T: Copy>(x: T) -> T {
    unsafe { std::ptr::read_volatile(&x) }
}

/// Runs `f` for `iters` iterations and returns ns per iteration.
fn time_ns(iters: u64, mut f: impl FnMut(u64)) -> f64 {
    for i in 0..iters / 10 {
        f(i);
    }
    let start = Instant::now();
    for i in 0..iters {
        f(i);
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn wire_bench(iters: u64) {
    let order = |i: u64| Message::Order { id: i, price: 5_000_000_000_000, quantity: 100_000_000, side: Side::Sell };
    let mut sink = 0u64;
    let to_bytes = time_ns(iters, |i| {
        let b = rkyv::to_bytes::<_, 256>(&order(i)).expect("serialize");
        sink = sink.wrapping_add(b[8] as u64);
    });
    let mut ser = AlignedVec::with_capacity(PAYLOAD_SIZE);
    let reused = time_ns(iters, |i| {
        ser.clear();
        AlignedSerializer::new(&mut ser).serialize_value(&order(i)).expect("serialize");
        sink = sink.wrapping_add(ser[8] as u64);
    });
    // The id changes every iteration so that no check can be hoisted out of the loop.
    let mut frame = Vec::with_capacity(FRAME_LEN);
    append_frame(&mut frame, &mut ser, &order(1));
    let mut scratch = Scratch([0; PAYLOAD_SIZE]);
    scratch.0.copy_from_slice(&frame[PREFIX_SIZE..]);
    let access = time_ns(iters, |i| {
        scratch.0[8..16].copy_from_slice(&i.to_le_bytes());
        match rkyv::check_archived_root::<Message>(opaque(&scratch.0[..])).expect("valid") {
            ArchivedMessage::Order { id, price, quantity, side } => {
                sink = sink.wrapping_add(*id + *price + *quantity + matches!(side, ArchivedSide::Sell) as u64)
            }
            _ => unreachable!(),
        }
    });
    let deserialize = time_ns(iters, |i| {
        scratch.0[8..16].copy_from_slice(&i.to_le_bytes());
        let archived = rkyv::check_archived_root::<Message>(opaque(&scratch.0[..])).expect("valid");
        let m: Message = archived.deserialize(&mut rkyv::Infallible).expect("infallible");
        if let Message::Order { id, .. } = m {
            sink = sink.wrapping_add(id);
        }
    });
    println!(
        "serialize_to_bytes_ns={to_bytes:.2} serialize_reused_ns={reused:.2} check_access_ns={access:.2} check_deserialize_ns={deserialize:.2} iterations={iters} sink={}",
        sink % 10
    );
}

// ---- main ----

const USAGE: &str = "usage: rust-peer echo ADDR\n       rust-peer ping ADDR COUNT WARMUP\n       rust-peer flood ADDR CONNS WINDOW SECONDS [WARMUP_SECONDS]\n       rust-peer wire-bench [ITERATIONS]";

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> Result<T, String> {
    let s = args.get(i).ok_or_else(|| format!("missing {name}"))?;
    s.parse().map_err(|_| format!("{name} {s:?}: not a number"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    if mode == "wire-bench" && args.len() <= 3 {
        match args.get(2).map_or(Ok(20_000_000), |s| s.parse::<u64>()) {
            Ok(n) if n > 0 => {
                wire_bench(n);
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("rust-peer: ITERATIONS must be a positive number\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let addr = args.get(2).cloned().unwrap_or_default();
    let job = match mode.as_str() {
        "echo" if args.len() == 3 => Ok(Job::Echo),
        "ping" if args.len() == 5 => (|| Ok(Job::Ping(arg(&args, 3, "COUNT")?, arg(&args, 4, "WARMUP")?)))(),
        "flood" if args.len() == 6 || args.len() == 7 => (|| {
            let warmup = if args.len() == 7 { arg(&args, 6, "WARMUP_SECONDS")? } else { 1.0 };
            Ok(Job::Flood(arg(&args, 3, "CONNS")?, arg(&args, 4, "WINDOW")?, arg(&args, 5, "SECONDS")?, warmup))
        })(),
        _ => Err(String::new()),
    };
    let job = match job {
        Ok(j) => j,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("rust-peer: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rust-peer: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Run on a worker thread, as a spawned task, like the rest of the work.
    let res = rt.block_on(async move {
        let task = match job {
            Job::Echo => tokio::spawn(echo(addr)),
            Job::Ping(count, warmup) => tokio::spawn(ping(addr, count, warmup)),
            Job::Flood(conns, window, seconds, warmup) => tokio::spawn(flood(addr, conns, window, seconds, warmup)),
        };
        task.await.unwrap_or_else(|e| Err(io::Error::new(io::ErrorKind::Other, e.to_string())))
    });
    // Flood leaves its connections running; don't wait for them.
    rt.shutdown_background();
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rust-peer {mode}: {e}");
            ExitCode::FAILURE
        }
    }
}

enum Job {
    Echo,
    Ping(usize, usize),
    Flood(usize, usize, f64, f64),
}
