#!/usr/bin/env bash
# Latency and throughput regression check, for CI.
#
# Builds the candidate (this tree) and the baseline (BASE_REF, by default
# main) into two gigadex binaries, starts each one's `gigadex echo` on a free
# loopback port, and runs `gigadex ab`: the same ping, then the same flood,
# against the baseline (with the baseline's binary) and the candidate (with
# the candidate's) in alternation, ROUNDS times each, then compares the two
# sets of runs (medians, 95% intervals, Mann-Whitney U test). Both sides
# run on the same machine at the same time, so a shared runner's noise and
# drift weigh on both. Writes a Markdown summary to $GITHUB_STEP_SUMMARY, or
# to RESULTS_DIR/summary.md when that is unset, and the verdicts as JUnit XML
# to RESULTS_DIR/ping-junit.xml and flood-junit.xml; each run's JSON result
# stays in RESULTS_DIR/ping/ and flood/.
#
# Usage: scripts/ci-regression.sh
#
# Environment (all optional):
#   BASE_REF      git revision of the baseline (default: main). When it
#                 cannot be read (no git, no such revision), the candidate is
#                 compared with itself: an A/A run that checks the gate.
#   BASE_BIN      a gigadex binary to use as the baseline instead of building
#                 BASE_REF
#   RESULTS_DIR   where results, logs and binaries go (default: results)
#   ROUNDS        alternating rounds a side (default: 5; 5 or more to flag)
#   PING_LIMITS   --max-regress for ping  (default: p50=15%,p99=25%,msgs_per_sec=15%)
#   FLOOD_LIMITS  --max-regress for flood (default: p50=15%,p99=25%,msgs_per_sec=15%)
#   CANDIDATE_ECHO_FLAGS  extra flags for the candidate's echo peer, e.g. to
#                 check that the gate catches a slower peer
#
# Exit status: 0 no regression, 3 a regression (as `gigadex ab`), anything
# else a failure to build or measure.
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in
-h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
"") ;;
*)
	echo "ci-regression: unknown argument $1 (try --help)" >&2
	exit 2
	;;
esac

results=${RESULTS_DIR:-results}
rounds=${ROUNDS:-5}
ping_limits=${PING_LIMITS:-p50=15%,p99=25%,msgs_per_sec=15%}
flood_limits=${FLOOD_LIMITS:-p50=15%,p99=25%,msgs_per_sec=15%}
base_ref=${BASE_REF:-main}

# The fixed runs: short, because the rounds, not the length of a run,
# separate a change from noise.
ping_args=(ping --conns 1 --count 10k --warmup 1k)
# shellcheck disable=SC2054 # the commas belong to --mix
flood_args=(flood --conns 2 --window 64 --duration 500ms --warmup 200ms --mix order=90,cancel=10 --seed 1)

mkdir -p "$results"
results=$(cd "$results" && pwd)
bin=$results/gigadex
echo "ci-regression: go build -o $bin" >&2
go build -o "$bin" .

base_bin=${BASE_BIN:-}
if [ -z "$base_bin" ]; then
	if src=$(mktemp -d) && git archive --format=tar "$base_ref" 2>/dev/null | tar -x -C "$src"; then
		echo "ci-regression: baseline $base_ref ($(git rev-parse --short "$base_ref")): go build" >&2
		(cd "$src" && go build -o "$results/gigadex-base" .)
		base_bin=$results/gigadex-base
	else
		echo "ci-regression: no baseline revision $base_ref here: comparing the candidate with itself (A/A)" >&2
		base_bin=$bin
	fi
	rm -rf "$src"
fi

pids=()
stop_peers() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
trap stop_peers EXIT

# start_peer NAME BIN [FLAGS...]: starts BIN's echo on a free loopback port
# and sets $addr to its address.
start_peer() {
	local name=$1 peer_bin=$2
	shift 2
	rm -f "$results/echo-$name.out"
	"$peer_bin" echo --addr 127.0.0.1:0 "$@" >"$results/echo-$name.out" 2>"$results/echo-$name.err" &
	pids+=($!)
	addr=
	for _ in $(seq 100); do
		local line
		line=$(head -n 1 "$results/echo-$name.out" 2>/dev/null || true)
		if [[ $line == "listening on "* ]]; then
			addr=${line#listening on }
			return
		fi
		sleep 0.1
	done
	echo "ci-regression: the $name echo did not start:" >&2
	cat "$results/echo-$name.out" "$results/echo-$name.err" >&2
	exit 1
}
start_peer baseline "$base_bin"
base_addr=$addr
# shellcheck disable=SC2086 # CANDIDATE_ECHO_FLAGS is a list of flags
start_peer current "$bin" ${CANDIDATE_ECHO_FLAGS:-}
cur_addr=$addr
echo "ci-regression: baseline peer on $base_addr, candidate peer on $cur_addr" >&2

summary=${GITHUB_STEP_SUMMARY:-}
if [ -z "$summary" ]; then
	summary=$results/summary.md
	: >"$summary"
fi
printf '## gigadex regression check\n\nbaseline: %s; %s alternating rounds a side\n\n' "$base_ref" "$rounds" >>"$summary"

status=0
# ab NAME LIMITS MEASUREMENT...: runs gigadex ab, prints the table, appends
# the Markdown table to the summary and writes the JUnit file (both rendered
# again from the kept results, with no new measurement) and folds the exit code into $status (a failure
# to measure outranks a regression).
ab() {
	local name=$1 limits=$2 code=0
	shift 2
	local args=(ab --baseline-bin "$base_bin" --baseline-addr "$base_addr" --addr "$cur_addr"
		--rounds "$rounds" --max-regress "$limits" --out "$results/$name" -- "$@")
	echo "ci-regression: gigadex ${args[*]}" >&2
	rm -rf "${results:?}/$name"
	"$bin" "${args[@]}" || code=$?
	if [ "$code" = 0 ] || [ "$code" = 3 ]; then
		local compare=(report compare --markdown --max-regress "$limits" --junit "$results/$name-junit.xml")
		for f in "$results/$name"/baseline-*.json; do
			compare+=(--baseline "$f")
		done
		{
			printf '### %s\n\n' "$name"
			"$bin" "${compare[@]}" "$results/$name"/current-*.json 2>/dev/null || true
			echo
		} >>"$summary"
	fi
	echo "ci-regression: $name: gigadex ab exited $code" >&2
	if [ "$code" != 0 ] && [ "$code" != 3 ]; then
		status=$code
	elif [ "$code" = 3 ] && [ "$status" = 0 ]; then
		status=3
	fi
}
ab ping "$ping_limits" "${ping_args[@]}"
ab flood "$flood_limits" "${flood_args[@]}"
stop_peers
echo "ci-regression: summary in $summary; exit $status" >&2
exit "$status"
