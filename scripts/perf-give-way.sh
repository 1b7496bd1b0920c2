#!/usr/bin/env bash
# perf-give-way.sh: does a connection read with raw calls starve the echo's
# other connections? Pinned to one CPU (GOMAXPROCS=1): one `ping --blocking`
# keeps running while a second ping (poller) measures 3000 round trips on
# the same echo; prints the second ping's rtt (ns) and rate.
#
#   scripts/perf-give-way.sh ["ECHO ARGS"]     e.g. "--io poller" to compare
set -euo pipefail
bin=${GDX:-/tmp/gdx-perf}
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
taskset -c 0 "$bin" echo --addr 127.0.0.1:$port --idle-timeout 0 ${1:-} >"$log" 2>&1 &
e=$!
sleep 0.3
taskset -c 0 "$bin" ping --addr 127.0.0.1:$port --count 0 --duration 6s --blocking --quiet >/dev/null 2>&1 &
h=$!
sleep 1
taskset -c 0 "$bin" ping --addr 127.0.0.1:$port --count 3000 --warmup 10 --quiet --json 2>/dev/null |
	grep -E '^    "(p50|p99|p99_9|max)"|^  "msgs_per_sec"'
wait "$h"
kill -INT "$e"
wait "$e" || true
grep -v "^listening on" "$log" || true
