#!/usr/bin/env bash
# flood-pairs.sh: the flood pairs of gigadex and the Rust peer
# (rust/rust-peer), each client against each server, and the raw echo pump
# (scripts/rawpump.c: no framing, no validation, the machine's ceiling), in
# alternating order, with the medians and the ratios of docs/performance.md's
# flood targets, and the Go floor (scripts/gofloor.go: a goroutine per
# connection on Go's poller, no checks) against the Rust echo, which tells
# the Go runtime's share from gigadex's own. A longer, steadier A/B than
# bench-peers.sh's flood section.
#
#   scripts/flood-pairs.sh [ROUNDS [SECONDS [CONNS [WINDOW]]]]
#       default 6 rounds of 2 s, 4 connections x 1024 in flight
#   GIGADEX=path  ECHO_FLAGS="--io poller"  FLOOD_FLAGS=...  to vary a side
#
# Needs go, cc, cargo and python3; the Rust peer builds offline from
# Debian's crates (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6} secs=${2:-2} conns=${3:-4} window=${4:-1024}
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
scratch flood-pairs
build_peers
gd=$gigadex rs=$rust_peer
build_floors
ulimit -n $((4 * conns + 1024)) 2>/dev/null || true

# shellcheck disable=SC2086
start_server gigadex-echo "$gd" echo --addr 127.0.0.1:0 --quiet ${ECHO_FLAGS:-}
gd_echo=$addr
start_server rust-echo "$rs" echo 127.0.0.1:0
rs_echo=$addr
start_server pump-echo "$pump" echo 127.0.0.1:0
pump_echo=$addr

mps() { awk '{ printf "%.3f\n", $1 / 1e6 }'; }
gd_flood() { # msgs/s in millions; the generator section says how it ran
	# shellcheck disable=SC2086
	"$gd" flood --addr "$1" --conns "$conns" --window "$window" --duration "${secs}s" --warmup 0.5s --json --quiet ${FLOOD_FLAGS:-} >"$work/gd.json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.3f" % (d["msgs_per_sec"] / 1e6)); assert d["errors"] == 0, d["error_samples"]' "$work/gd.json"
}
rs_flood() { "$rs" flood "$1" "$conns" "$window" "$secs" 0.5 | sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' | mps; }
pump_flood() { "$pump" flood "$pump_echo" "$conns" "$window" "$secs" 0.5 | sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' | mps; }
floor_flood() { "$floor" "$rs_echo" "$conns" "$window" "$secs" | sed -n 's/.*msgs_per_sec=\([0-9.]*\).*/\1/p' | mps; }
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		a=$(gd_flood "$gd_echo") b=$(rs_flood "$rs_echo") c=$(rs_flood "$gd_echo") d=$(gd_flood "$rs_echo") e=$(pump_flood) f=$(floor_flood)
	else
		f=$(floor_flood) e=$(pump_flood) d=$(gd_flood "$rs_echo") c=$(rs_flood "$gd_echo") b=$(rs_flood "$rs_echo") a=$(gd_flood "$gd_echo")
	fi
	echo "round $r: gigadex->gigadex $a  rust->rust $b  rust->gigadex $c  gigadex->rust $d  pump $e  gofloor->rust $f (M msgs/s)"
done | python3 -c '
import sys, statistics
rows = []
for line in sys.stdin:
    print(line, end="", flush=True)
    f = line.split()
    rows.append([float(f[i]) for i in (3, 5, 7, 9, 11, 13)])
a, b, c, d, e, g = (statistics.median(col) for col in zip(*rows))
print("%s conns x %s in flight, median of %d rounds (M msgs/s): gigadex->gigadex %.3f  rust->rust %.3f  rust->gigadex %.3f  gigadex->rust %.3f  pump %.3f  gofloor->rust %.3f"
      % (sys.argv[1], sys.argv[2], len(rows), a, b, c, d, e, g))
print("gigadex pair / Rust pair %.3f; gigadex echo / Rust echo (Rust client) %.3f; gigadex flood / Rust flood (Rust echo) %.3f; gigadex pair / raw pump %.3f; Rust pair / raw pump %.3f; Go floor / Rust flood (Rust echo) %.3f; gigadex flood / Go floor %.3f"
      % (a / b, c / b, d / b, a / e, b / e, g / b, d / g))
' "$conns" "$window"
