#!/usr/bin/env bash
# floors.sh: what bounds a flood on this machine, side by side. Clients
# (gigadex, the Rust peer, the Go floors of scripts/gofloor.go: a goroutine
# per connection, or an event loop per P over raw sockets or over net.Conns'
# sockets, no work per message) against echoes
# (gigadex, the Rust peer, the Go floor echoes, the raw pump of
# scripts/rawpump.c), the pairings listed in $pairs below, in alternating
# order, with the medians as a fraction of the Rust pair and of the raw pump. A pair that does no work per
# message bounds what any implementation of its I/O model can reach:
# docs/performance-analysis.md reads the table.
#
#   scripts/floors.sh [ROUNDS [SECONDS [CONNS [WINDOW]]]]
#       default 3 rounds of 2 s, 4 connections x 1024 in flight
#
# Beyond 64 connections the pump's rows are left out: a thread per
# connection is no ceiling there, and its thousands of threads slow the
# runs that follow.
#
# Needs go, cc, cargo and python3 (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} secs=${2:-2} conns=${3:-4} window=${4:-1024}
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
scratch floors
build_peers
gd=$gigadex rs=$rust_peer
build_floors
ulimit -n $((8 * conns + 1024)) 2>/dev/null || true

start_server gigadex-echo "$gd" echo --addr 127.0.0.1:0 --quiet
declare -A echo_at=([gigadex]=$addr)
start_server rust-echo "$rs" echo 127.0.0.1:0
echo_at[rust]=$addr
start_server floor-echo "$floor" echo 127.0.0.1:0
echo_at[floor]=$addr
start_server floor-epoll-echo "$floor" echo 127.0.0.1:0 epoll
echo_at[floor-epoll]=$addr
start_server pump-echo "$pump" echo 127.0.0.1:0
echo_at[pump]=$addr

# rate: M msgs/s from a msgs_per_sec=N line, or "nan" when there is none
# (the run failed: its stderr goes to the terminal).
rate() { sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' | awk '{ printf "%.3f\n", $1 / 1e6; n++ } END { if (!n) print "nan" }'; }
# flood CLIENT ECHO: M msgs/s of CLIENT against ECHO. The pump's client
# sends no frames, so it only feeds the echoes that read bytes.
flood() {
	local at=${echo_at[$2]}
	case $1 in
	gigadex)
		"$gd" flood --addr "$at" --conns "$conns" --window "$window" --duration "${secs}s" --warmup 0.5s --json --quiet >"$work/gd.json"
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"] == 0, d["error_samples"]; print("msgs_per_sec=%f" % d["msgs_per_sec"])' "$work/gd.json" | rate
		;;
	rust) "$rs" flood "$at" "$conns" "$window" "$secs" 0.5 | rate ;;
	pump) "$pump" flood "$at" "$conns" "$window" "$secs" 0.5 | rate ;;
	floor) "$floor" "$at" "$conns" "$window" "$secs" goroutine | rate ;;
	floor-epoll) "$floor" "$at" "$conns" "$window" "$secs" epoll | rate ;;
	floor-epoll-net) "$floor" "$at" "$conns" "$window" "$secs" epoll-net | rate ;;
	esac
}
pairs=(rust:rust gigadex:gigadex floor:floor floor-epoll:floor
	gigadex:rust floor:rust floor-epoll:rust floor-epoll-net:rust
	rust:gigadex rust:floor rust:floor-epoll floor-epoll:gigadex)
if [ "$conns" -le 64 ]; then
	pairs=(pump:pump "${pairs[@]}" rust:pump gigadex:pump floor:pump floor-epoll:pump)
fi
for r in $(seq "$rounds"); do
	order=("${pairs[@]}")
	if [ $((r % 2)) = 0 ]; then
		order=()
		for ((i = ${#pairs[@]} - 1; i >= 0; i--)); do order+=("${pairs[i]}"); done
	fi
	for p in "${order[@]}"; do
		echo "round $r ${p%%:*} ${p#*:} $(flood "${p%%:*}" "${p#*:}" || true)"
	done
done | python3 -c '
import sys, statistics
rates = {}
for line in sys.stdin:
    print(line, end="", flush=True)
    _, _, client, server, mps = line.split()
    rates.setdefault((client, server), [])
    if mps != "nan":  # a failed run is left out of the medians
        rates[(client, server)].append(float(mps))
med = {k: statistics.median(v) for k, v in rates.items() if v}
if ("rust", "rust") not in med:
    sys.exit("floors: the Rust pair measured nothing")
rust, pump = med[("rust", "rust")], med.get(("pump", "pump"))
print("\n%s conns x %s in flight, medians of %d rounds (M msgs/s)" % (sys.argv[1], sys.argv[2], len(rates[("rust", "rust")])))
print("%-12s -> %-12s %10s %8s %8s" % ("client", "echo", "M msgs/s", "/ Rust", "/ pump"))
for (c, s), v in rates.items():
    if not v:
        print("%-12s -> %-12s %10s  (every run failed)" % (c, s, "-"))
        continue
    m = med[(c, s)]
    print("%-12s -> %-12s %10.3f %8.3f %8s" % (c, s, m, m / rust, "%.3f" % (m / pump) if pump else "-"))
' "$conns" "$window"
