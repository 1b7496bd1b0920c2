#!/usr/bin/env bash
# perf-latency.sh: p50/p99/p99.9 (µs) of sockperf and gigadex ping-pong
# pairs, interleaved, each for 3 s; CPUS=0 (default) pins both sides,
# CPUS= leaves them unpinned. Pairs: "NAME|BINARY|ECHO ARGS|PING ARGS".
#
#   scripts/perf-latency.sh [ROUNDS] [PAIR...]
set -uo pipefail
rounds=${1:-2}
shift || true
[ $# -gt 0 ] || set -- "default|${GDX:-/tmp/gdx-perf}||" "blocking|${GDX:-/tmp/gdx-perf}||--blocking"
cpus=${CPUS-0}
pin() { if [ -n "$cpus" ]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi; }
port=$((20000 + RANDOM % 20000))
gdx() { # name bin echoargs pingargs
	port=$((port + 1))
	# shellcheck disable=SC2086
	pin "$2" echo --addr 127.0.0.1:$port --idle-timeout 0 $3 >/dev/null 2>&1 &
	local e=$!
	sleep 0.3
	# shellcheck disable=SC2086
	(pin "$2" ping --addr 127.0.0.1:$port --count 0 --duration 3s --warmup 0.5s --quiet --json $4 2>/dev/null) |
		python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["latency_ns"]; print("%-32s p50 %7.1f p99 %7.1f p99.9 %7.1f  n %d" % (sys.argv[1], r["p50"]/1e3, r["p99"]/1e3, r["p99_9"]/1e3, d["received"]))' "$1"
	kill -INT $e
	wait $e
}
sp() {
	port=$((port + 1))
	pin sockperf server -i 127.0.0.1 -p $port --tcp >/dev/null 2>&1 &
	local e=$!
	sleep 0.3
	(pin sockperf ping-pong -i 127.0.0.1 -p $port --tcp -m 52 --full-rtt -t 3 2>&1) | python3 -c '
import re, sys
t = sys.stdin.read()
g = lambda q: float(re.search(r"percentile " + q + r" =\s*([\d.]+)", t).group(1))
n = re.search(r"Valid Duration.*ReceivedMessages=(\d+)", t).group(1)
print("%-32s p50 %7.1f p99 %7.1f p99.9 %7.1f  n %s" % ("sockperf", g("50.000"), g("99.000"), g("99.900"), n))'
	kill $e
	wait $e 2>/dev/null
}
for _ in $(seq "$rounds"); do
	sp
	for p in "$@"; do
		IFS='|' read -r name bin sargs cargs <<<"$p"
		gdx "$name" "$bin" "$sargs" "$cargs"
	done
done
