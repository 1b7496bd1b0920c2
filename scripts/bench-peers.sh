#!/usr/bin/env bash
# Measures gigadex against its peers on this machine, in one run, and writes
# a Markdown report (medians over rounds, and ratios) to stdout and to a file.
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
#       gigadex clients and servers are both the default and --blocking ones
#   (d) the Go benchmarks (go test -bench ./wire ./client ./echo), and the
#       wire codec next to rkyv itself, on this machine and as published for
#       the original crate
#
# Every comparison alternates the order of its runs round by round (A B C,
# then C B A, ...), so drift on a shared machine hits every side alike.
# Progress goes to stderr.
#
# Usage: scripts/bench-peers.sh [--quick] [--rounds N] [--out FILE] [--no-install]
#
#   --quick        3 rounds of shorter runs, one round of the flood grid
#                  (about 2 minutes, plus a one-time Rust build of ~1 minute)
#   --rounds N     rounds of each A/B comparison (default 5; quick 3)
#   --out FILE     where the report goes as well (default results/bench-peers.md)
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

notes=() # lines for the report's "Skipped and missing" list
note() {
	notes+=("$*")
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

# ---- servers ----

# start_server NAME CMD... : starts CMD in the background, output in
# $work/NAME.log, and waits for its "listening on HOST:PORT" line; sets addr.
addr=
start_server() {
	local name=$1 i
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	for i in $(seq 100); do
		addr=$(sed -n 's/^listening on //p' "$work/$name.log" | head -n 1)
		[ -n "$addr" ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench-peers: $name did not start:" >&2
	cat "$work/$name.log" >&2
	exit 1
}

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

# ---- measuring ----

# Samples: S[key] holds one value per round, space separated.
declare -A S
add() { S[$1]+="$2 "; }

median() { # values... ; prints the median, or nothing
	{ printf '%s\n' "$@" | grep -E '^[0-9.]+(e[+-]?[0-9]+)?$' || true; } | sort -g | awk '
		{ v[NR] = $1 }
		END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { # key
	# shellcheck disable=SC2086
	median ${S[$1]:-}
}

fail_run() { # what logfile
	log "FAILED: $1 (see below); the round is left out of the median"
	{ sed -n '/"error_samples"/,/\]/p' "$2" | head -n 6; tail -n 3 "$2"; } >&2 || true
}

# gd_end_loss FILE: true when a gigadex run that exited non-zero wrote its
# whole report and its only errors are replies still in flight when the run
# ended ("N replies still missing after the drain"): its latencies are whole,
# so they are kept, and the report lists the run.
gd_end_loss() {
	grep -q '"latency_ns": {' "$1" || return 1
	local samples
	samples=$(sed -n '/"error_samples": \[/,/\]/p' "$1" | sed '1d; $d')
	[ -n "$samples" ] || return 1
	! printf '%s\n' "$samples" | grep -qv 'replies still missing after the drain'
}
end_loss=() # runs kept by gd_end_loss

# JSON fields of a gigadex run, read without jq: the latency_ns block and
# the top-level msgs_per_sec.
gd_latency() { # file field [scale] -> value / scale (default 1000: ns to µs)
	awk -v f="\"$2\":" -v s="${3:-1000}" '/"latency_ns": \{/ { in_l = 1; next } in_l && /\}/ { in_l = 0 }
		in_l && $1 == f { gsub(/,/, "", $2); printf "%.3f\n", $2 / s; exit }' "$1"
}
gd_rate() { awk '/^  "msgs_per_sec":/ { gsub(/,/, "", $2); printf "%.0f\n", $2; exit }' "$1"; }

# sockperf's output, without its colour escapes; values in µs.
sp_clean() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
sp_pct() { sp_clean "$1" | awk -v p="$2" '$0 ~ "percentile " p " *=" { print $NF; exit }'; }
sp_count() { sp_clean "$1" | sed -n 's/.*Total \([0-9]*\) observations.*/\1/p' | head -n 1; }
sp_rate() { sp_clean "$1" | sed -n 's/.*Message Rate is \([0-9]*\) .*/\1/p' | head -n 1; }

# run_rtt TOOL PLACEMENT ROUND: one RTT run; adds KEY.p50 .p99 .p99_9 .n
run_rtt() {
	local tool=$1 place=$2 r=$3 key="rtt.$1.$2" f="$work/rtt.$1.$2.$3" p=() target
	[ "$place" = pinned ] && p=("${pin[@]}")
	case $tool in
	sockperf)
		target=$sp_server
		[ "$place" = pinned ] && target=$sp_server_pinned
		if ! timeout $((rtt_secs * 3 + 30)) "${p[@]}" sockperf ping-pong --tcp -i "${target%:*}" -p "${target##*:}" \
			-m 52 -t "$rtt_secs" --full-rtt >"$f" 2>&1; then
			fail_run "sockperf ping-pong $place" "$f"
			return
		fi
		add "$key.p50" "$(sp_pct "$f" 50.000)"
		add "$key.p99" "$(sp_pct "$f" 99.000)"
		add "$key.p99_9" "$(sp_pct "$f" 99.900)"
		add "$key.n" "$(sp_count "$f")"
		;;
	gigadex | blocking | busypoll)
		# blocking: gigadex ping --blocking against gigadex echo --blocking;
		# busypoll: gigadex ping --busy-poll against gigadex echo
		target=$gd_echo
		[ "$place" = pinned ] && target=$gd_echo_pinned
		local extra=()
		[ "$tool" = busypoll ] && extra=(--busy-poll)
		if [ "$tool" = blocking ]; then
			extra=(--blocking)
			target=$gdb_echo
			[ "$place" = pinned ] && target=$gdb_echo_pinned
		fi
		if ! timeout $((rtt_secs * 3 + 30)) "${p[@]}" "$gigadex" ping --addr "$target" --conns 1 --count 0 \
			--duration "${rtt_measured_ms}ms" --warmup 400ms "${extra[@]}" --json --quiet >"$f" 2>"$f.err"; then
			if gd_end_loss "$f"; then
				end_loss+=("gigadex ping ${extra[*]} $place, round $r")
			else
				cat "$f.err" >>"$f"
				fail_run "gigadex ping ${extra[*]} $place" "$f"
				return
			fi
		fi
		add "$key.p50" "$(gd_latency "$f" p50)"
		add "$key.p99" "$(gd_latency "$f" p99)"
		add "$key.p99_9" "$(gd_latency "$f" p99_9)"
		add "$key.n" "$(gd_latency "$f" count 1)"
		;;
	esac
}

# run_flood KEY ADDR CONNS WINDOW: gigadex flood; adds KEY. An empty ADDR
# runs the echo server inside the flood process (flood without --addr).
run_flood() {
	local key=$1 conns=$3 window=$4 f="$work/$1.$RANDOM" target=()
	[ -n "$2" ] && target=(--addr "$2")
	if ! timeout $((tp_secs * 3 + 60)) "$gigadex" flood "${target[@]}" --conns "$conns" --window "$window" \
		--duration "${tp_secs}s" --warmup "${flood_warmup}s" --json --quiet >"$f" 2>"$f.err"; then
		cat "$f.err" >>"$f"
		fail_run "gigadex flood --conns $conns --window $window ($key)" "$f"
		return
	fi
	add "$key" "$(gd_rate "$f")"
}

# run_rust_flood KEY ADDR CONNS WINDOW: the Rust flood client; adds KEY
run_rust_flood() {
	local key=$1 target=$2 conns=$3 window=$4 f="$work/$1.$RANDOM"
	if ! timeout $((tp_secs * 3 + 60)) "$rust_peer" flood "$target" "$conns" "$window" "$tp_secs" "$flood_warmup" >"$f" 2>&1; then
		fail_run "rust-peer flood $conns x $window ($key)" "$f"
		return
	fi
	add "$key" "$(sed -n 's/^msgs_per_sec=\([0-9]*\).*/\1/p' "$f")"
}

# run_xrtt CLIENT SERVER: pinned RTT by count, each client against each
# server; gd is gigadex (ping, echo), gdb gigadex --blocking (ping --blocking,
# echo --blocking), rs the Rust peer. Adds xrtt.CLIENT.SERVER.p50 .p99 .p99_9
run_xrtt() {
	local key="xrtt.$1.$2" f="$work/xrtt.$1.$2.$RANDOM" target=$gd_echo_pinned warm=$((xrtt_count / 10)) extra=()
	[ "$2" = gdb ] && target=$gdb_echo_pinned
	[ "$2" = rs ] && target=$rust_echo_pinned
	[ "$1" = gdb ] && extra=(--blocking)
	if [ "$1" != rs ]; then
		if ! timeout 120 "${pin[@]}" "$gigadex" ping --addr "$target" --conns 1 --count "$xrtt_count" --warmup "$warm" \
			"${extra[@]}" --json --quiet >"$f" 2>"$f.err"; then
			cat "$f.err" >>"$f"
			fail_run "gigadex ping ($key)" "$f"
			return
		fi
		add "$key.p50" "$(gd_latency "$f" p50)"
		add "$key.p99" "$(gd_latency "$f" p99)"
		add "$key.p99_9" "$(gd_latency "$f" p99_9)"
	else
		if ! timeout 120 "${pin[@]}" "$rust_peer" ping "$target" "$xrtt_count" "$warm" >"$f" 2>&1; then
			fail_run "rust-peer ping ($key)" "$f"
			return
		fi
		local q
		for q in p50 p99 p99_9; do
			add "$key.$q" "$(tr ' ' '\n' <"$f" | sed -n "s/^$q=//p" | awk '{ printf "%.3f", $1 / 1000 }')"
		done
	fi
}

# run_sockperf_tp KEY: sockperf throughput, one connection; adds KEY
run_sockperf_tp() {
	local f="$work/$1.$RANDOM"
	if ! timeout $((tp_secs * 3 + 30)) sockperf throughput --tcp -i "${sp_server%:*}" -p "${sp_server##*:}" \
		-m 52 -t "$tp_secs" >"$f" 2>&1; then
		fail_run "sockperf throughput" "$f"
		return
	fi
	add "$1" "$(sp_rate "$f")"
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
		[ "$have_sockperf" = 1 ] && runs+=(run_rtt sockperf "$place" "$r" --)
		runs+=(run_rtt gigadex "$place" "$r" -- run_rtt blocking "$place" "$r")
		[ "$place" = unpinned ] && runs+=(-- run_rtt busypoll unpinned "$r")
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
		alternate "$r" run_flood x.gd.gd "$gd_echo" 4 1024 -- run_rust_flood x.rs.rs "$rust_echo" 4 1024
		alternate "$r" run_rust_flood x.rs.gd "$gd_echo" 4 1024 -- run_flood x.gd.rs "$rust_echo" 4 1024
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
	(cd "$p" && "$work/$p.test" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "$benchtime" -test.count "$benchcount") >>"$work/gobench.txt" 2>&1 ||
		note "go test -bench ./$p failed: $(grep -E '^(FAIL|---|panic)' "$work/gobench.txt" | head -n 3 | tr '\n' ' ')"
done
# the wire package's lines, for the codec table
awk '/^pkg: / { w = ($2 ~ /\/wire$/) } w' "$work/gobench.txt" >"$work/wire.txt"
if [ "$have_rust" = 1 ]; then
	log "(d) rust-peer wire-bench"
	for r in $(seq "$benchcount"); do
		"$rust_peer" wire-bench "$rust_bench_iters" >>"$work/rkyv.txt" 2>&1 || note "rust-peer wire-bench failed"
	done
fi

t_end=$(date +%s)
load_end=$(uptime)

# ---- report ----

fmt() { # number decimals -> formatted, or an em dash
	if [ -z "$1" ]; then printf '—'; else printf "%.${2}f" "$1"; fi
}
mps() { # msgs/s -> "12.34 M"
	if [ -z "$1" ]; then printf '—'; else awk -v v="$1" 'BEGIN { printf "%.2f M", v / 1e6 }'; fi
}
ratio() { # a b -> a/b with 2 decimals, or an em dash
	if [ -z "$1" ] || [ -z "$2" ]; then printf '—'; else awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) printf "—"; else printf "%.2f×", a / b }'; fi
}
verdict() { # value op limit -> met / missed / —
	if [ -z "$1" ] || [ -z "$3" ]; then printf '—'; else awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (v >= l); printf "%s", ok ? "met" : "**missed**" }'; fi
}
ratio_num() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b != 0) printf "%.4f", a / b }'; }
rounds_list() { # key scale decimals -> "a / b / c"
	local v out=()
	for v in ${S[$1]:-}; do out+=("$(awk -v v="$v" -v s="$2" -v d="$3" 'BEGIN { printf "%.*f", d, v / s }')"); done
	local IFS=/
	printf '%s' "${out[*]:-—}" | sed 's|/| / |g'
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
go_cpu=$(sed -n 's/^cpu: //p' "$work/wire.txt" | head -n 1 | sed 's/[[:space:]]*$//')
report=$work/report.md
{
	echo "### Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU model | ${cpu_model:-unknown}${go_cpu:+ (Go reports: $go_cpu)} |"
	echo "| kernel | $(uname -sr) |"
	echo "| Go | $(go version | sed 's/^go version //') |"
	echo "| gigadex | $gd_version |"
	[ "$have_sockperf" = 1 ] && echo "| sockperf | $(sockperf --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -n 1) |"
	[ "$have_rust" = 1 ] && echo "| Rust peer | $(rustc --version 2>/dev/null), tokio 1.24, rkyv 0.7.39 (Debian crates) |"
	echo "| load average at start | ${load_start##*load average: } |"
	echo "| load average at end | ${load_end##*load average: } |"
	echo "| mode | $([ "$quick" = 1 ] && echo quick || echo full): $rounds rounds, medians; took $((t_end - t_start)) s |"
	echo

	echo "### Round-trip time (TCP loopback, 52-byte messages, one in flight)"
	echo
	echo "Both tools measure for $(awk -v m="$rtt_measured_ms" 'BEGIN { printf "%.2f", m / 1000 }') s after a 400 ms warmup in each round (sockperf -t $rtt_secs; sockperf 3.7 has no"
	echo "message-count option). RTT in µs, median of $rounds rounds; ratio = gigadex / sockperf."
	echo "Pinned: client and server both under \`taskset -c 0\`; unpinned: wherever the scheduler puts them."
	echo
	echo "| placement | client → server | p50 RTT (µs) | p99 RTT (µs) | p99.9 RTT (µs) | round trips per run |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	rtt_name() { # tool -> "client → server"
		case $1 in
		sockperf) printf 'sockperf ping-pong --full-rtt → sockperf server' ;;
		gigadex) printf 'gigadex ping → gigadex echo' ;;
		blocking) printf 'gigadex ping --blocking → gigadex echo --blocking' ;;
		busypoll) printf 'gigadex ping --busy-poll → gigadex echo' ;;
		esac
	}
	for place in "${placements[@]}"; do
		for tool in sockperf gigadex blocking busypoll; do
			[ "$tool" = busypoll ] && [ "$place" = pinned ] && continue
			[ "$tool" = sockperf ] && [ "$have_sockperf" = 0 ] && continue
			k=rtt.$tool.$place
			echo "| $place | $(rtt_name "$tool") | $(fmt "$(med "$k.p50")" 1) | $(fmt "$(med "$k.p99")" 1) | $(fmt "$(med "$k.p99_9")" 1) | $(fmt "$(med "$k.n")" 0) |"
		done
	done
	echo
	if [ "$have_sockperf" = 1 ]; then
		rtt_cmp() { # tool place q -> "1.23× (a vs b µs)"
			local a b
			a=$(med "rtt.$1.$2.$3")
			b=$(med "rtt.sockperf.$2.$3")
			printf '%s× (%s vs %s µs)' "$(fmt "$(ratio_num "$a" "$b" || true)" 2)" "$(fmt "$a" 1)" "$(fmt "$b" 1)"
		}
		echo "Targets: gigadex / sockperf, for the default mode (\`gigadex ping\` → \`gigadex echo\`) and for"
		echo "\`--blocking\` on both sides (\`gigadex ping --blocking\` → \`gigadex echo --blocking\`)."
		echo
		echo "| target | placement | default: measured | default | --blocking: measured | --blocking |"
		echo "| --- | --- | ---: | --- | ---: | --- |"
		for place in "${placements[@]}"; do
			for q in p50 p99 p99_9; do
				lim=1.2
				[ "$q" = p99 ] && lim=1.5
				qn=${q/_/.}
				line="| $qn"
				[ "$q" = p99_9 ] && line+=" (no target)" || line+=" ≤ ${lim}× sockperf"
				line+=" | $place"
				for tool in gigadex blocking; do
					rt=$(ratio_num "$(med "rtt.$tool.$place.$q")" "$(med "rtt.sockperf.$place.$q")" || true)
					line+=" | $(rtt_cmp "$tool" "$place" "$q") | "
					[ "$q" = p99_9 ] || line+="$(verdict "$rt" "<=" "$lim")"
				done
				echo "$line |"
			done
		done
		echo
		echo "| target | measured | limit | verdict |"
		echo "| --- | ---: | ---: | --- |"
		rt=$(ratio_num "$(med rtt.busypoll.unpinned.p50)" "$(med rtt.sockperf.unpinned.p50)" || true)
		echo "| gigadex ping --busy-poll p50 / sockperf p50, unpinned | $(rtt_cmp busypoll unpinned p50) | ≤ 0.5× | $(verdict "$rt" "<=" 0.5) |"
		echo
	fi
	echo "<details><summary>RTT per round (µs)</summary>"
	echo
	echo "| placement | client | p50 per round | p99 per round | p99.9 per round |"
	echo "| --- | --- | --- | --- | --- |"
	for place in "${placements[@]}"; do
		for tool in sockperf gigadex blocking busypoll; do
			k=rtt.$tool.$place
			[ -n "${S[$k.p50]:-}" ] || continue
			echo "| $place | $tool | $(rounds_list "$k.p50" 1 1) | $(rounds_list "$k.p99" 1 1) | $(rounds_list "$k.p99_9" 1 1) |"
		done
	done
	echo
	echo "</details>"
	echo

	echo "### Throughput (TCP loopback, 52-byte messages)"
	echo
	echo "Medians of $rounds rounds of ${tp_secs} s (after a ${flood_warmup} s warmup for flood). gigadex flood counts messages echoed"
	echo "back (each crosses loopback twice and is validated on both sides, with the RTT of every message recorded); sockperf"
	echo "throughput counts messages sent one way to a server that does not answer (Nagle on, sockperf's default for this mode)."
	echo
	echo "| client (one connection) | msgs/s | per round (M msgs/s) |"
	echo "| --- | ---: | --- |"
	[ "$have_sockperf" = 1 ] && echo "| sockperf throughput, one way | $(mps "$(med tp.sockperf)") | $(rounds_list tp.sockperf 1e6 2) |"
	echo "| gigadex flood --conns 1 --window 1024, echoed | $(mps "$(med tp.gigadex)") | $(rounds_list tp.gigadex 1e6 2) |"
	[ "$have_sockperf" = 1 ] && echo "| ratio gigadex / sockperf | $(ratio "$(med tp.gigadex)" "$(med tp.sockperf)") | |"
	echo
	echo "gigadex flood against gigadex echo, echoed msgs/s (median of $grid_rounds round(s)):"
	echo
	printf '| connections |'
	for w in "${windows_grid[@]}"; do printf ' window %s |' "$w"; done
	echo
	printf '| --- |'
	for w in "${windows_grid[@]}"; do printf ' ---: |'; done
	echo
	best=
	best_cfg=
	for c in "${conns_grid[@]}"; do
		printf '| %s |' "$c"
		for w in "${windows_grid[@]}"; do
			v=$(med "grid.$c.$w")
			printf ' %s |' "$(mps "$v")"
			if [ -n "$v" ] && { [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }'; }; then
				best=$v
				best_cfg="--conns $c --window $w"
			fi
		done
		echo
	done
	printf '| 4, in-process echo |'
	for w in "${windows_grid[@]}"; do
		v=$(med "grid.inproc.$w")
		printf ' %s |' "$(mps "$v")"
		if [ -n "$v" ] && { [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }'; }; then
			best=$v
			best_cfg="--conns 4 --window $w, in-process echo"
		fi
	done
	echo
	echo
	echo "The last row is \`gigadex flood\` without --addr: the echo server runs inside the flood process."
	echo

	if [ "$have_rust" = 1 ]; then
		echo "### Against the Rust tokio + rkyv pair (4 connections × 1024 in flight)"
		echo
		echo "rust/rust-peer: the original crate's design (tokio TcpStream, u32 length prefix, rkyv 0.7 archived Message,"
		echo "check_archived_root on every frame on both sides, every message serialized with rkyv). Echoed msgs/s, median of"
		echo "$rounds rounds, the two sides of each pair alternating."
		echo
		echo "| client → server | msgs/s | per round (M msgs/s) |"
		echo "| --- | ---: | --- |"
		echo "| gigadex flood → gigadex echo | $(mps "$(med x.gd.gd)") | $(rounds_list x.gd.gd 1e6 2) |"
		echo "| Rust flood → Rust echo | $(mps "$(med x.rs.rs)") | $(rounds_list x.rs.rs 1e6 2) |"
		echo "| Rust flood → gigadex echo | $(mps "$(med x.rs.gd)") | $(rounds_list x.rs.gd 1e6 2) |"
		echo "| gigadex flood → Rust echo | $(mps "$(med x.gd.rs)") | $(rounds_list x.gd.rs 1e6 2) |"
		echo
	fi
	echo "| target | measured | limit | verdict |"
	echo "| --- | ---: | ---: | --- |"
	if [ "$have_rust" = 1 ]; then
		rt=$(ratio_num "$(med x.gd.gd)" "$(med x.rs.rs)" || true)
		echo "| gigadex flood 4×1024 / Rust pair | $(fmt "$rt" 2)× | ≥ 1× | $(verdict "$rt" ">=" 1) |"
		echo "| gigadex flood 4×1024, msgs/s | $(mps "$(med x.gd.gd)") | ≥ 15 M | $(verdict "$(med x.gd.gd)" ">=" 15000000) |"
		rt=$(ratio_num "$(med x.rs.gd)" "$(med x.rs.rs)" || true)
		echo "| gigadex echo / Rust echo, serving the Rust flood client | $(fmt "$rt" 2)× | ≥ 1× | $(verdict "$rt" ">=" 1) |"
		v=$(med x.gd.gd)
		if [ -n "$v" ] && { [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a > b) }'; }; then
			best=$v
			best_cfg="--conns 4 --window 1024"
		fi
	fi
	echo "| gigadex flood, best configuration ($best_cfg) | $(mps "$best") | ≥ 20 M | $(verdict "$best" ">=" 20000000) |"
	echo

	if [ -n "${S[xrtt.gd.gd.p50]:-}" ]; then
		xname() { # side -> name, as client (c) or server (s)
			case $1.$2 in
			gd.c) printf 'gigadex ping' ;;
			gd.s) printf 'gigadex echo' ;;
			gdb.c) printf 'gigadex ping --blocking' ;;
			gdb.s) printf 'gigadex echo --blocking' ;;
			rs.c) printf 'Rust ping' ;;
			rs.s) printf 'Rust echo' ;;
			esac
		}
		echo "### Round-trip time, each client against each server (pinned)"
		echo
		echo "Both sides under \`taskset -c 0\`, $xrtt_count round trips after $((xrtt_count / 10)) of warmup per run, median of"
		echo "$rounds rounds, the $((${#xsides[@]} * ${#xsides[@]})) runs of a round in alternating order. Crossing the clients and servers shows which side adds the time."
		[ "$have_rust" = 1 ] && echo "Rust: rust/rust-peer (tokio, rkyv), the same frames as gigadex."
		echo
		echo "p50 RTT (µs):"
		echo
		printf '| client \\ server |'
		for sv in "${xsides[@]}"; do printf ' %s |' "$(xname "$sv" s)"; done
		echo
		printf '| --- |'
		for sv in "${xsides[@]}"; do printf ' ---: |'; done
		echo
		for c in "${xsides[@]}"; do
			printf '| %s |' "$(xname "$c" c)"
			for sv in "${xsides[@]}"; do printf ' %s |' "$(fmt "$(med "xrtt.$c.$sv.p50")" 1)"; done
			echo
		done
		echo
		echo "| client → server | p50 RTT (µs) | p99 RTT (µs) | p99.9 RTT (µs) | p50 per round |"
		echo "| --- | ---: | ---: | ---: | --- |"
		for c in "${xsides[@]}"; do
			for sv in "${xsides[@]}"; do
				k=xrtt.$c.$sv
				echo "| $(xname "$c" c) → $(xname "$sv" s) | $(fmt "$(med "$k.p50")" 1) | $(fmt "$(med "$k.p99")" 1) | $(fmt "$(med "$k.p99_9")" 1) | $(rounds_list "$k.p50" 1 1) |"
			done
		done
		echo
	fi

	echo "### Wire codec (one 52-byte frame)"
	echo
	echo "The ./wire benchmarks of the Go benchmarks below (median of $benchcount run(s)), next to rkyv 0.7.39 timed on this"
	echo "machine by \`rust-peer wire-bench\` and the figures the original crate publishes (Apple M1)."
	echo
	echo "| operation | gigadex (ns/op) | allocs/op | rkyv on this machine (ns/op) | original, M1 (ns/op) |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	wb() { # benchmark -> median ns/op
		# shellcheck disable=SC2046
		median $(awk -v b="Benchmark$1" '$1 ~ "^" b "(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") print $i }' "$work/wire.txt")
	}
	wa() { awk -v b="Benchmark$1" '$1 ~ "^" b "(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i + 1) == "allocs/op") { print $i; exit } }' "$work/wire.txt"; }
	rk() { # key -> median ns
		# shellcheck disable=SC2046
		[ -f "$work/rkyv.txt" ] && median $(sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$work/rkyv.txt")
	}
	echo "| serialize an Order (AppendOrder) | $(fmt "$(wb AppendOrder)" 1) | $(wa AppendOrder) | $(fmt "$(rk serialize_reused_ns)" 1) (reused buffer); $(fmt "$(rk serialize_to_bytes_ns)" 1) (to_bytes) | ~45 |"
	echo "| serialize via the Message interface (AppendFrame) | $(fmt "$(wb AppendFrame)" 1) | $(wa AppendFrame) | | |"
	echo "| validate + read fields in place (ParseFrame) | $(fmt "$(wb ParseFrame)" 1) | $(wa ParseFrame) | $(fmt "$(rk check_access_ns)" 1) (check_archived_root) | ~11 |"
	echo "| validate + copy out (DecodeOrder) | $(fmt "$(wb DecodeOrder)" 1) | $(wa DecodeOrder) | $(fmt "$(rk check_deserialize_ns)" 1) (check + deserialize) | |"
	feed=$(wb DecoderFeed)
	[ -n "$feed" ] && echo "| stream decode, 64 KiB chunks (DecoderFeed), per frame | $(awk -v t="$feed" 'BEGIN { printf "%.1f", t / int(65536 / 52) }') | $(wa DecoderFeed) | | |"
	echo

	echo "### Go benchmarks"
	echo
	echo "\`go test -run '^\$' -bench . -benchmem -benchtime $benchtime -count $benchcount ./wire ./client ./echo\` (the test binaries built"
	echo "with gigadex at the start), median of the $benchcount run(s) of each benchmark; msgs/s where the benchmark reports it. ConnPing and PingPong are one round trip"
	echo "over loopback per op (ns/op is the RTT), against an echo server in the test process."
	echo
	echo "| package | benchmark | ns/op | msgs/s | B/op | allocs/op |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	awk '
		function med(list,   n, v, i, j, t) {
			n = split(list, v, " ")
			if (n == 0) return ""
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
			return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		function num(x, d) { return x == "" ? "—" : sprintf("%.*f", d, x) }
		function big(x) {
			if (x == "") return "—"
			if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
			return sprintf("%.0f", x)
		}
		/^pkg: / { pkg = $2; sub(/.*\//, "", pkg); next }
		/^Benchmark/ && / ns\/op/ {
			name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
			k = pkg SUBSEP name
			if (!(k in seen)) { seen[k] = 1; order[++n] = k }
			for (i = 2; i < NF; i++) {
				if ($(i + 1) == "ns/op") ns[k] = ns[k] " " $i
				if ($(i + 1) == "msgs/s") ms[k] = ms[k] " " $i
				if ($(i + 1) == "B/op") bo[k] = bo[k] " " $i
				if ($(i + 1) == "allocs/op") al[k] = al[k] " " $i
			}
		}
		END {
			for (i = 1; i <= n; i++) {
				k = order[i]; split(k, pn, SUBSEP)
				v = med(ns[k])
				printf "| %s | %s | %s | %s | %s | %s |\n", pn[1], pn[2], num(v, v < 100 ? 1 : 0), big(med(ms[k])), num(med(bo[k]), 0), num(med(al[k]), 0)
			}
		}' "$work/gobench.txt"
	echo

	if [ ${#end_loss[@]} -gt 0 ]; then
		notes+=("${#end_loss[@]} RTT run(s) exited with an error whose only cause was a reply still in flight when the run ended (\"replies still missing after the drain\"); their latencies are counted: $(
			IFS=';'
			printf '%s' "${end_loss[*]}" | sed 's/;/; /g'
		)")
	fi
	if [ ${#notes[@]} -gt 0 ]; then
		echo "### Notes, skipped and missing"
		echo
		for n in "${notes[@]}"; do echo "- $n"; done
		echo
	fi
	echo "Generated by \`scripts/bench-peers.sh$([ "$quick" = 1 ] && echo " --quick")\` on $(date -u +%Y-%m-%d)."
} >"$report"

mkdir -p "$(dirname "$out")"
cp "$report" "$out"
cat "$report"
log "report written to $out"
