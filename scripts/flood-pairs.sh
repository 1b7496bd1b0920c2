#!/usr/bin/env bash
# flood-pairs.sh: the four flood pairs of gigadex and the Rust peer
# (rust/rust-peer), 4 connections x 1024 in flight, in alternating order,
# with their means and the three ratios of docs/performance.md's flood
# targets. A longer, steadier A/B than bench-peers.sh's flood section.
#
#   scripts/flood-pairs.sh [ROUNDS [SECONDS]]     (default 6 rounds of 2 s)
#   GIGADEX=path  ECHO_FLAGS="--io poller"  FLOOD_FLAGS=...  to vary a side
#
# Needs go, cargo and python3; the Rust peer builds offline from Debian's
# crates (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6} secs=${2:-2}
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
scratch flood-pairs
build_peers
gd=$gigadex rs=$rust_peer

# shellcheck disable=SC2086
start_server gigadex-echo "$gd" echo --addr 127.0.0.1:0 --quiet ${ECHO_FLAGS:-}
gd_echo=$addr
start_server rust-echo "$rs" echo 127.0.0.1:0
rs_echo=$addr

gd_flood() { # msgs/s in millions
	# shellcheck disable=SC2086
	"$gd" flood --addr "$1" --conns 4 --window 1024 --duration "${secs}s" --warmup 0.5s --json --quiet ${FLOOD_FLAGS:-} |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["msgs_per_sec"] / 1e6))'
}
rs_flood() {
	"$rs" flood "$1" 4 1024 "$secs" 0.5 | sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' | awk '{ printf "%.2f\n", $1 / 1e6 }'
}
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		a=$(gd_flood "$gd_echo") b=$(rs_flood "$rs_echo") c=$(rs_flood "$gd_echo") d=$(gd_flood "$rs_echo")
	else
		d=$(gd_flood "$rs_echo") c=$(rs_flood "$gd_echo") b=$(rs_flood "$rs_echo") a=$(gd_flood "$gd_echo")
	fi
	echo "round $r: gigadex->gigadex $a  rust->rust $b  rust->gigadex $c  gigadex->rust $d (M msgs/s)"
done | awk '{ print } { a += $4; b += $6; c += $8; d += $10 }
END {
	printf "mean (M msgs/s): gigadex->gigadex %.2f  rust->rust %.2f  rust->gigadex %.2f  gigadex->rust %.2f\n", a/NR, b/NR, c/NR, d/NR
	printf "gigadex pair / Rust pair %.3f; gigadex echo / Rust echo (Rust client) %.3f; gigadex flood / Rust flood (Rust echo) %.3f\n", a/b, c/b, d/b
}'
