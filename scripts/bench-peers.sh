#!/usr/bin/env bash
# Measures gigadex against its peers on this machine, in one run, and writes
# a Markdown report (medians over rounds, and ratios) to stdout and to a file.
# This script runs the tools and keeps what each run printed; the analysis
# (medians, ratios, targets, the Markdown) is scripts/benchreport, which
# reads gigadex's JSON results with report.ReadJSON (see internal/benchpeers
# for the results directory it reads).
#
#   (a) round-trip time: gigadex ping (against gigadex echo), gigadex ping
#       --blocking (against gigadex echo --blocking) and
#       `sockperf ping-pong --full-rtt` (against `sockperf server`), TCP over
#       loopback, 52-byte messages, same measured duration and 400 ms warmup;
#       both sides pinned to CPU 0 with taskset, and both unpinned; plus
#       gigadex ping --busy-poll (against gigadex echo), unpinned
#   (b) throughput: gigadex flood vs `sockperf throughput` (52-byte messages,
#       one connection), and gigadex flood with 1, 4 and 64 connections and
#       windows of 64, 256, 1024 and 4096 messages in flight, plus 4
#       connections against flood's in-process echo server (no --addr)
#   (c) gigadex vs the Rust tokio + rkyv pair in rust/rust-peer, crossed
#       (each client against each server): flood 4 connections x 1024 in
#       flight, and ping pinned to CPU 0 (same count and warmup), where the
#       gigadex clients and servers are both the default and --blocking ones;
#       and the raw echo pump (scripts/rawpump.c: no framing, no
#       validation), the ceiling the 4 x 1024 pair is a fraction of
#       and many sessions, 64 x 64 and 1000 x 4, the four pairings
#   (d) the Go benchmarks (go test -bench ./wire ./client ./echo), and the
#       wire codec next to rkyv itself, on this machine and as published for
#       the original crate
#
# Every comparison alternates the order of its runs round by round (A B C,
# then C B A, ...), so drift on a shared machine hits every side alike.
# Progress goes to stderr.
#
# Usage: scripts/bench-peers.sh [--quick] [--rounds N] [--out FILE] [--keep DIR] [--no-install]
#
#   --quick        3 rounds of shorter runs, one round of the flood grid
#                  (about 3 minutes, plus a one-time Rust build of ~1 minute)
#   --rounds N     rounds of each A/B comparison (default 5; quick 3)
#   --out FILE     where the report goes as well (default results/bench-peers.md)
#   --keep DIR     also keep the raw results there (scripts/benchreport DIR
#                  writes the report again from them)
#   --no-install   never run apt-get; report what is missing and skip it
#
# Needs: go, taskset; installs as root from Debian when missing: sockperf,
# and cargo plus librust-tokio-dev librust-rkyv-dev librust-bytecheck-dev for
# the Rust peer, which builds offline (see rust/.cargo/config.toml).
# A part whose tools are missing is skipped and the report says why.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
rounds=
out=results/bench-peers.md
keep=
install=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--rounds)
		rounds=${2:?--rounds needs a number}
		shift
		;;
	--out)
		out=${2:?--out needs a file}
		shift
		;;
	--keep)
		keep=${2:?--keep needs a directory}
		shift
		;;
	--no-install) install=0 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "bench-peers: unknown argument $1 (try --help)" >&2
		exit 2
		;;
	esac
	shift
done

# Run lengths. sockperf 3.7 has no message-count option, so both tools get
# the same measured time instead: sockperf -t S measures S - 0.45 s (it drops
# a 400 ms warmup and a 50 ms tail), and gigadex gets --duration S-0.45s
# --warmup 400ms.
if [ "$quick" = 1 ]; then
	: "${rounds:=3}"
	rtt_secs=1          # sockperf -t for one RTT run
	tp_secs=1           # one throughput run (sockperf -t, flood --duration)
	grid_rounds=1
	flood_warmup=0.3    # seconds
	benchtime=200ms
	benchcount=1
	rust_bench_iters=5000000
	xrtt_count=15000    # round trips per run against the Rust pair
else
	: "${rounds:=5}"
	rtt_secs=3
	tp_secs=2
	grid_rounds=3
	flood_warmup=0.5
	benchtime=1s
	benchcount=3
	rust_bench_iters=20000000
	xrtt_count=60000
fi
case $rounds in '' | *[!0-9]* | 0)
	echo "bench-peers: --rounds must be a positive number" >&2
	exit 2
	;;
esac
rtt_measured_ms=$((rtt_secs * 1000 - 450))
conns_grid=(1 4 64)
windows_grid=(64 256 1024 4096)
inproc_windows=(1024 4096) # flood with its in-process echo server, 4 connections

log() { printf 'bench-peers: %s\n' "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-peers.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Raw results, for scripts/benchreport: runs/KEY/ROUND.EXT, notes.txt,
# meta.txt, gobench.txt, rkyv.txt (see internal/benchpeers).
res=$work/results
mkdir -p "$res/runs"
: >"$res/notes.txt"
note() { # a line for the report's "Notes, skipped and missing" list
	printf '%s\n' "$*" >>"$res/notes.txt"
	log "$*"
}

# ---- tools ----

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
apt_updated=0
apt_install() { # packages...
	[ "$install" = 1 ] || return 1
	[ "$(id -u)" = 0 ] || return 1
	command -v apt-get >/dev/null || return 1
	export DEBIAN_FRONTEND=noninteractive
	if [ "$apt_updated" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		apt_updated=1
	fi
	log "apt-get install $*"
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

command -v go >/dev/null || {
	echo "bench-peers: go is not on PATH" >&2
	exit 1
}
pin=()
if command -v taskset >/dev/null; then
	pin=(taskset -c 0)
else
	apt_install util-linux && pin=(taskset -c 0) || note "taskset (util-linux) is missing: the pinned placement is skipped"
fi

have_sockperf=1
if ! command -v sockperf >/dev/null; then
	apt_install sockperf || true
	command -v sockperf >/dev/null || {
		have_sockperf=0
		note "sockperf is missing (apt-get install sockperf, as root): the sockperf columns are empty"
	}
fi

log "go build"
gigadex=$work/gigadex
go build -o "$gigadex" .
# the report's analysis, built now so that a broken build stops the run early
go build -o "$work/benchreport" ./scripts/benchreport
gd_version=$(git describe --always --dirty 2>/dev/null || echo unknown)
# the benchmark binaries too, now, so that they test the same code
for p in wire client echo; do
	go test -c -o "$work/$p.test" "./$p"
done

have_rust=1
rust_peer=rust/target/release/rust-peer
rust_pkgs=()
for p in librust-tokio-dev librust-rkyv-dev librust-bytecheck-dev; do
	have_pkg "$p" || rust_pkgs+=("$p")
done
command -v cargo >/dev/null || rust_pkgs+=(cargo)
if [ ${#rust_pkgs[@]} -gt 0 ]; then
	apt_install "${rust_pkgs[@]}" || true
fi
if ! command -v cargo >/dev/null; then
	have_rust=0
	note "cargo is missing (apt-get install cargo, as root): the Rust peer comparisons are skipped"
else
	log "cargo build --release --offline -p rust-peer (rust/; the first build takes about two minutes)"
	if ! (cd rust && CARGO_TARGET_DIR=target cargo build --release --offline --locked -p rust-peer --quiet) >"$work/cargo.log" 2>&1; then
		have_rust=0
		note "the Rust peer did not build (needs librust-tokio-dev librust-rkyv-dev librust-bytecheck-dev): $(tail -n 3 "$work/cargo.log" | tr '\n' ' ')"
	fi
fi

have_pump=0
if command -v cc >/dev/null && cc -O2 -pthread -o "$work/rawpump" scripts/rawpump.c 2>"$work/cc.log"; then
	have_pump=1
else
	note "the raw echo pump did not build (needs cc): $(tail -n 3 "$work/cc.log" 2>/dev/null | tr '\n' ' ')"
fi

# ---- servers ----

# start_server (sets addr) is shared with the other peer scripts.
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_sockperf NAME PIN... : starts sockperf server on a free port; sets addr.
# Ports come from below the kernel's ephemeral range, so that no outgoing
# connection holds them, and a bind failure is retried on another port.
start_sockperf() {
	local name=$1 port try i lo
	shift
	lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=32768
	for try in $(seq 10); do
		port=$((10000 + RANDOM % (lo - 10000)))
		port_open "$port" && continue
		"$@" sockperf server --tcp -i 127.0.0.1 -p "$port" >"$work/$name.log" 2>&1 &
		pids+=($!)
		for i in $(seq 100); do
			if port_open "$port"; then
				addr=127.0.0.1:$port
				return 0
			fi
			kill -0 "${pids[-1]}" 2>/dev/null || break
			sleep 0.05
		done
		kill "${pids[-1]}" 2>/dev/null || true
	done
	echo "bench-peers: sockperf server ($name) did not start:" >&2
	cat "$work/$name.log" >&2
	exit 1
}

start_server gigadex-echo "$gigadex" echo --addr 127.0.0.1:0 --quiet
gd_echo=$addr
start_server gigadex-echo-blocking "$gigadex" echo --addr 127.0.0.1:0 --quiet --blocking
gdb_echo=$addr
if [ ${#pin[@]} -gt 0 ]; then
	start_server gigadex-echo-pinned "${pin[@]}" "$gigadex" echo --addr 127.0.0.1:0 --quiet
	gd_echo_pinned=$addr
	start_server gigadex-echo-blocking-pinned "${pin[@]}" "$gigadex" echo --addr 127.0.0.1:0 --quiet --blocking
	gdb_echo_pinned=$addr
fi
if [ "$have_sockperf" = 1 ]; then
	start_sockperf sockperf-server
	sp_server=$addr
	if [ ${#pin[@]} -gt 0 ]; then
		start_sockperf sockperf-server-pinned "${pin[@]}"
		sp_server_pinned=$addr
	fi
fi
if [ "$have_rust" = 1 ]; then
	start_server rust-echo "$rust_peer" echo 127.0.0.1:0
	rust_echo=$addr
	if [ ${#pin[@]} -gt 0 ]; then
		start_server rust-echo-pinned "${pin[@]}" "$rust_peer" echo 127.0.0.1:0
		rust_echo_pinned=$addr
	fi
fi

if [ "$have_pump" = 1 ]; then
	start_server pump-echo "$work/rawpump" echo 127.0.0.1:0
	pump_echo=$addr
fi

# ---- measuring ----

# record KEY EXT SECONDS CMD...: one run of KEY in round $r, under a
# timeout of SECONDS. Its output goes to $res/runs/KEY/$r.EXT: for EXT json
# (a gigadex --json result) stdout, with stderr in .err; for the other tools
# (sockperf, rust) both. A run that exits non-zero leaves its exit code in
# .rc; benchreport decides whether its figures count.
record() {
	local key=$1 ext=$2 secs=$3 f rc=0
	shift 3
	mkdir -p "$res/runs/$key"
	f=$res/runs/$key/$r.$ext
	if [ "$ext" = json ]; then
		timeout "$secs" "$@" >"$f" 2>"$f.err" || rc=$?
	else
		timeout "$secs" "$@" >"$f" 2>&1 || rc=$?
	fi
	if [ "$rc" != 0 ]; then
		echo "$rc" >"$f.rc"
		log "exit $rc: $key, round $r: $({ tail -n 2 "$f.err" 2>/dev/null || tail -n 2 "$f"; } | tr '\n' ' ')"
	fi
}

# run_rtt TOOL PLACEMENT: one RTT run, key rtt.TOOL.PLACEMENT
run_rtt() {
	local tool=$1 place=$2 key="rtt.$1.$2" p=() target extra=()
	[ "$place" = pinned ] && p=("${pin[@]}")
	case $tool in
	sockperf)
		target=$sp_server
		[ "$place" = pinned ] && target=$sp_server_pinned
		record "$key" sockperf $((rtt_secs * 3 + 30)) "${p[@]}" sockperf ping-pong --tcp -i "${target%:*}" -p "${target##*:}" \
			-m 52 -t "$rtt_secs" --full-rtt
		;;
	gigadex | blocking | busypoll)
		# blocking: gigadex ping --blocking against gigadex echo --blocking;
		# busypoll: gigadex ping --busy-poll against gigadex echo
		target=$gd_echo
		[ "$place" = pinned ] && target=$gd_echo_pinned
		[ "$tool" = busypoll ] && extra=(--busy-poll)
		if [ "$tool" = blocking ]; then
			extra=(--blocking)
			target=$gdb_echo
			[ "$place" = pinned ] && target=$gdb_echo_pinned
		fi
		record "$key" json $((rtt_secs * 3 + 30)) "${p[@]}" "$gigadex" ping --addr "$target" --conns 1 --count 0 \
			--duration "${rtt_measured_ms}ms" --warmup 400ms "${extra[@]}" --json --quiet
		;;
	esac
}

# run_flood KEY ADDR CONNS WINDOW: gigadex flood. An empty ADDR runs the
# echo server inside the flood process (flood without --addr).
run_flood() {
	local target=()
	[ -n "$2" ] && target=(--addr "$2")
	record "$1" json $((tp_secs * 3 + 60)) "$gigadex" flood "${target[@]}" --conns "$3" --window "$4" \
		--duration "${tp_secs}s" --warmup "${flood_warmup}s" --json --quiet
}

# run_pump KEY CONNS WINDOW: the raw pump's flood against its own echo
run_pump() {
	record "$1" rust $((tp_secs * 3 + 60)) "$work/rawpump" flood "$pump_echo" "$2" "$3" "$tp_secs" "$flood_warmup"
}

# run_rust_flood KEY ADDR CONNS WINDOW: the Rust flood client
run_rust_flood() {
	record "$1" rust $((tp_secs * 3 + 60)) "$rust_peer" flood "$2" "$3" "$4" "$tp_secs" "$flood_warmup"
}

# run_xrtt CLIENT SERVER: pinned RTT by count, each client against each
# server; gd is gigadex (ping, echo), gdb gigadex --blocking (ping --blocking,
# echo --blocking), rs the Rust peer. Key xrtt.CLIENT.SERVER
run_xrtt() {
	local key="xrtt.$1.$2" target=$gd_echo_pinned warm=$((xrtt_count / 10)) extra=()
	[ "$2" = gdb ] && target=$gdb_echo_pinned
	[ "$2" = rs ] && target=$rust_echo_pinned
	[ "$1" = gdb ] && extra=(--blocking)
	if [ "$1" != rs ]; then
		record "$key" json 120 "${pin[@]}" "$gigadex" ping --addr "$target" --conns 1 --count "$xrtt_count" --warmup "$warm" \
			"${extra[@]}" --json --quiet
	else
		record "$key" rust 120 "${pin[@]}" "$rust_peer" ping "$target" "$xrtt_count" "$warm"
	fi
}

# run_sockperf_tp KEY: sockperf throughput, one connection
run_sockperf_tp() {
	record "$1" sockperf $((tp_secs * 3 + 30)) sockperf throughput --tcp -i "${sp_server%:*}" -p "${sp_server##*:}" \
		-m 52 -t "$tp_secs"
}

# alternate ROUND CMD_A -- CMD_B [-- CMD_C ...]: runs the commands in the
# order given in odd rounds and in the reverse order in even rounds, so a
# drift in the machine's speed over a pair of rounds hits all of them alike.
alternate() {
	local r=$1 cmds=() cur="" i n w
	shift
	# each command is stored as one string of %q-quoted words
	for w in "$@"; do
		if [ "$w" = -- ]; then
			cmds+=("$cur")
			cur=""
		else
			cur+="$(printf '%q' "$w") "
		fi
	done
	cmds+=("$cur")
	n=${#cmds[@]}
	for ((i = 0; i < n; i++)); do
		if [ $((r % 2)) = 1 ]; then
			eval "${cmds[i]}"
		else
			eval "${cmds[n - 1 - i]}"
		fi
	done
}

load_start=$(uptime)
t_start=$(date +%s)

# (a) RTT
placements=(unpinned)
[ ${#pin[@]} -gt 0 ] && placements=(pinned unpinned)
for r in $(seq "$rounds"); do
	log "(a) rtt, round $r/$rounds"
	for place in "${placements[@]}"; do
		runs=()
		[ "$have_sockperf" = 1 ] && runs+=(run_rtt sockperf "$place" --)
		runs+=(run_rtt gigadex "$place" -- run_rtt blocking "$place")
		[ "$place" = unpinned ] && runs+=(-- run_rtt busypoll unpinned)
		alternate "$r" "${runs[@]}"
	done
done

# (b) throughput: sockperf vs flood, then the grid
for r in $(seq "$rounds"); do
	log "(b) throughput vs sockperf, round $r/$rounds"
	if [ "$have_sockperf" = 1 ]; then
		alternate "$r" run_sockperf_tp tp.sockperf -- run_flood tp.gigadex "$gd_echo" 1 1024
	else
		run_flood tp.gigadex "$gd_echo" 1 1024
	fi
done
for r in $(seq "$grid_rounds"); do
	log "(b) flood grid, round $r/$grid_rounds"
	for c in "${conns_grid[@]}"; do
		for w in "${windows_grid[@]}"; do
			run_flood "grid.$c.$w" "$gd_echo" "$c" "$w"
		done
	done
	for w in "${inproc_windows[@]}"; do
		run_flood "grid.inproc.$w" "" 4 "$w"
	done
done

# (c) against the Rust pair, 4 connections x 1024 in flight
if [ "$have_rust" = 1 ]; then
	for r in $(seq "$rounds"); do
		log "(c) against the Rust pair, round $r/$rounds"
		pump=()
		[ "$have_pump" = 1 ] && pump=(-- run_pump x.pump.pump 4 1024)
		alternate "$r" run_flood x.gd.gd "$gd_echo" 4 1024 -- run_rust_flood x.rs.rs "$rust_echo" 4 1024 "${pump[@]}"
		alternate "$r" run_rust_flood x.rs.gd "$gd_echo" 4 1024 -- run_flood x.gd.rs "$rust_echo" 4 1024
	done
fi

# (c) many sessions against the Rust pair: 64 x 64 and 1000 x 4, the four
# pairings alternating
if [ "$have_rust" = 1 ]; then
	ulimit -n 8192 2>/dev/null || note "ulimit -n 8192 refused: the 1000-connection floods may run out of descriptors"
	for r in $(seq "$rounds"); do
		for shape in "64 64" "1000 4"; do
			read -r c w <<<"$shape"
			log "(c) many sessions, $c x $w, round $r/$rounds"
			alternate "$r" run_flood "m.$c.$w.gd.gd" "$gd_echo" "$c" "$w" -- run_rust_flood "m.$c.$w.rs.rs" "$rust_echo" "$c" "$w" \
				-- run_rust_flood "m.$c.$w.rs.gd" "$gd_echo" "$c" "$w" -- run_flood "m.$c.$w.gd.rs" "$rust_echo" "$c" "$w"
		done
	done
fi

# pinned RTT, each client against each server: gigadex, gigadex --blocking,
# and the Rust pair when it built
xsides=(gd gdb)
[ "$have_rust" = 1 ] && xsides+=(rs)
if [ ${#pin[@]} -gt 0 ]; then
	for r in $(seq "$rounds"); do
		log "(c) rtt crossed, pinned, round $r/$rounds"
		runs=()
		for c in "${xsides[@]}"; do
			for sv in "${xsides[@]}"; do
				[ ${#runs[@]} -gt 0 ] && runs+=(--)
				runs+=(run_xrtt "$c" "$sv")
			done
		done
		alternate "$r" "${runs[@]}"
	done
fi

# (d) Go benchmarks
log "(d) go test -bench ./wire ./client ./echo"
for p in wire client echo; do
	(cd "$p" && "$work/$p.test" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime" -test.count "$benchcount") >>"$res/gobench.txt" 2>&1 ||
		note "go test -bench ./$p failed: $(grep -E '^(FAIL|---|panic)' "$res/gobench.txt" | head -n 3 | tr '\n' ' ')"
done
if [ "$have_rust" = 1 ]; then
	log "(d) rust-peer wire-bench"
	for r in $(seq "$benchcount"); do
		"$rust_peer" wire-bench "$rust_bench_iters" >>"$res/rkyv.txt" 2>&1 || note "rust-peer wire-bench failed"
	done
fi

t_end=$(date +%s)
load_end=$(uptime)

# ---- report ----

{
	echo "mode=$([ "$quick" = 1 ] && echo quick || echo full)"
	echo "rounds=$rounds"
	echo "grid_rounds=$grid_rounds"
	echo "rtt_secs=$rtt_secs"
	echo "rtt_measured_ms=$rtt_measured_ms"
	echo "tp_secs=$tp_secs"
	echo "flood_warmup=$flood_warmup"
	echo "benchtime=$benchtime"
	echo "benchcount=$benchcount"
	echo "xrtt_count=$xrtt_count"
	echo "pinned=$([ ${#pin[@]} -gt 0 ] && echo 1 || echo 0)"
	echo "cpus=$(nproc)"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "kernel=$(uname -sr)"
	echo "go=$(go version | sed 's/^go version //')"
	echo "gigadex=$gd_version"
	if [ "$have_sockperf" = 1 ]; then
		v=$(sockperf --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -n 1)
		echo "sockperf=${v:-installed}" # non-empty: sockperf ran
	fi
	if [ "$have_rust" = 1 ]; then
		v=$(rustc --version 2>/dev/null || true)
		echo "rust=${v:-rustc}" # non-empty: the Rust peer ran
	fi
	echo "load_start=${load_start##*load average: }"
	echo "load_end=${load_end##*load average: }"
	echo "took_s=$((t_end - t_start))"
	echo "date=$(date -u +%Y-%m-%d)"
} >"$res/meta.txt"

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	cp -r "$res"/. "$keep"/
	log "raw results kept in $keep"
fi
report=$work/report.md
"$work/benchreport" "$res" >"$report"
mkdir -p "$(dirname "$out")"
cp "$report" "$out"
cat "$report"
log "report written to $out"
