#!/usr/bin/env bash
# Latency and throughput regression check, for CI.
#
# Builds gigadex, starts `gigadex echo` on a free loopback port, runs a fixed
# ping (closed loop, 1 connection) and a fixed flood (2 connections, window
# 64) against it, and compares each result with the committed baseline in
# scripts/baseline/ using `gigadex report compare`. Writes a Markdown summary
# to $GITHUB_STEP_SUMMARY, or to RESULTS_DIR/summary.md when that is unset.
#
# Usage: scripts/ci-regression.sh [--update-baseline]
#
#   --update-baseline   (or UPDATE_BASELINE=1) measure and write new baselines
#                       to scripts/baseline/ instead of comparing; commit them
#                       from the machine type CI runs on.
#
# Environment (all optional):
#   RESULTS_DIR   where results, logs and the binary go (default: results)
#   BASELINE_DIR  where the baselines are (default: scripts/baseline)
#                 (both relative to the repository root)
#   PING_LIMITS   --max-regress for ping  (default: p50=100%,p99=200%,msgs_per_sec=67%)
#   PING_FLOOR    --floor for ping        (default: 50us)
#   FLOOD_LIMITS  --max-regress for flood (default: p50=200%,p99=300%,msgs_per_sec=67%)
#   FLOOD_FLOOR   --floor for flood       (default: 500us)
#
# Exit status: 0 no regression, 3 a regression (as `gigadex report compare`),
# anything else a failure to build or measure.
set -euo pipefail
cd "$(dirname "$0")/.."

update=${UPDATE_BASELINE:-0}
for arg in "$@"; do
	case $arg in
	--update-baseline) update=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "ci-regression: unknown argument $arg (try --help)" >&2
		exit 2
		;;
	esac
done

results=${RESULTS_DIR:-results}
baseline=${BASELINE_DIR:-scripts/baseline}
ping_limits=${PING_LIMITS:-p50=100%,p99=200%,msgs_per_sec=67%}
ping_floor=${PING_FLOOR:-50us}
flood_limits=${FLOOD_LIMITS:-p50=200%,p99=300%,msgs_per_sec=67%}
flood_floor=${FLOOD_FLOOR:-500us}

# The fixed runs. Changing them invalidates the baselines: run again with
# --update-baseline.
ping_args=(ping --conns 1 --count 30000 --warmup 3000)
flood_args=(flood --conns 2 --window 64 --duration 5s --warmup 1s --mix order=90,cancel=10 --seed 1)

mkdir -p "$results"
bin=$results/gigadex
echo "ci-regression: go build -o $bin" >&2
go build -o "$bin" .

echo_pid=
stop_echo() {
	if [ -n "$echo_pid" ]; then
		kill -TERM "$echo_pid" 2>/dev/null || true
		wait "$echo_pid" 2>/dev/null || true
		echo_pid=
	fi
}
trap stop_echo EXIT

rm -f "$results/echo.out"
"$bin" echo --addr 127.0.0.1:0 >"$results/echo.out" 2>"$results/echo.err" &
echo_pid=$!
addr=
for _ in $(seq 100); do
	line=$(head -n 1 "$results/echo.out" 2>/dev/null || true)
	if [[ $line == "listening on "* ]]; then
		addr=${line#listening on }
		break
	fi
	if ! kill -0 "$echo_pid" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "ci-regression: gigadex echo did not start:" >&2
	cat "$results/echo.out" "$results/echo.err" >&2
	exit 1
fi
echo "ci-regression: echo peer on $addr" >&2

# measure NAME ARGS...: one run, JSON result in $results/NAME.json, the
# table on stderr.
measure() {
	local name=$1
	shift
	echo "ci-regression: gigadex $* --addr $addr" >&2
	"$bin" "$@" --addr "$addr" --json -o "$results/$name.json" >/dev/null
}
measure ping "${ping_args[@]}"
measure flood "${flood_args[@]}"
stop_echo

if [ "$update" = 1 ]; then
	mkdir -p "$baseline"
	install -m 0644 "$results/ping.json" "$baseline/ping.json"
	install -m 0644 "$results/flood.json" "$baseline/flood.json"
	echo "ci-regression: wrote $baseline/ping.json and $baseline/flood.json" >&2
	exit 0
fi

summary=${GITHUB_STEP_SUMMARY:-}
if [ -z "$summary" ]; then
	summary=$results/summary.md
	: >"$summary"
fi
status=0
: >"$results/compare.txt"
{
	echo "## gigadex regression check"
	echo
} >>"$summary"

# compare NAME LIMITS FLOOR: compares $results/NAME.json with the baseline,
# prints the table, appends Markdown to the summary and folds the exit code
# into $status (a failure to compare outranks a regression).
compare() {
	local name=$1 limits=$2 floor=$3 code=0
	local args=(report compare --baseline "$baseline/$name.json" --max-regress "$limits" --floor "$floor" "$results/$name.json")
	echo "ci-regression: gigadex ${args[*]}" >&2
	"$bin" "${args[@]}" | tee -a "$results/compare.txt" || code=$?
	{
		echo "### $name"
		echo
		"$bin" "${args[@]}" --markdown || true
		echo
		echo "<details><summary>$name result</summary>"
		echo
		"$bin" report table --markdown "$results/$name.json"
		echo
		echo "</details>"
		echo
	} >>"$summary" 2>/dev/null
	echo "ci-regression: $name: report compare exited $code" >&2
	if [ "$code" != 0 ] && [ "$code" != 3 ]; then
		status=$code
	elif [ "$code" = 3 ] && [ "$status" = 0 ]; then
		status=3
	fi
}
compare ping "$ping_limits" "$ping_floor"
compare flood "$flood_limits" "$flood_floor"
echo "ci-regression: summary in $summary; exit $status" >&2
exit "$status"
