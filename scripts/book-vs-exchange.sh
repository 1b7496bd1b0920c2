#!/usr/bin/env bash
# book-vs-exchange.sh: the same order flood against gigadex echo --reply
# exchange and --reply book, in alternating order, each round on fresh
# servers, with the ratio book / exchange per round and its median
# (docs/book.md, "Cost"). The machine should be quiet; on a shared one,
# read the ratios, not the rates.
#
#   scripts/book-vs-exchange.sh [ROUNDS [SECONDS]]     (default 5 rounds of 3 s)
#   GIGADEX=path  FLOOD_FLAGS="--conns 8"  to vary it
#
# Needs go and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5} secs=${2:-3}
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
scratch book-vs-exchange
gd=${GIGADEX:-}
if [ -z "$gd" ]; then
	gd=$work/gigadex
	go build -o "$gd" .
fi

rate=
flood() { # MODE: sets rate to the msgs/s of the order flood against a fresh echo --reply MODE
	start_server "echo-$1" "$gd" echo --addr 127.0.0.1:0 --quiet --reply "$1"
	# shellcheck disable=SC2086
	"$gd" flood --addr "$addr" --reply exchange --mix order=90,cancel=10 --duration "${secs}s" --json --quiet ${FLOOD_FLAGS:-} >"$work/flood.json"
	rate=$(python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["errors"] == 0, "errors"; print("%.0f" % r["msgs_per_sec"])' "$work/flood.json")
	kill -INT "${pids[-1]}"
	wait "${pids[-1]}" || true
}
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		flood exchange; x=$rate
		flood book; b=$rate
	else
		flood book; b=$rate
		flood exchange; x=$rate
	fi
	echo "round $r: exchange $x  book $b msgs/s  book/exchange $(python3 -c "print('%.2f' % ($b / $x))")" | tee -a "$work/rounds"
done
python3 -c 'import statistics,sys; print("median book/exchange: %.2f" % statistics.median(float(l.split()[-1]) for l in open(sys.argv[1])))' "$work/rounds"
