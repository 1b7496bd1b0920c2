#!/usr/bin/env bash
# Soak: runs gigadex flood against a gigadex echo process for DURATION and
# checks that nothing drifts. Every 5 s it reads the echo process's RSS and
# threads (/proc/PID/status, or ps where there is no /proc); at the end it
# checks that
#   - the flood exits 0 and its JSON result counts no errors,
#   - echo's RSS at the end is within 20% of its RSS after the warm-up
#     (a quarter of DURATION, at least 10 s), and its threads grew by at most 4,
#   - the rate is stable: every whole second of the flood's .hlog holds at
#     least 50% of the median second's round trips,
# prints a summary table, and exits 1 if a check failed (2 on a usage error).
#
# Usage: scripts/soak.sh [DURATION, default 2m]   (e.g. 90s, 2m, 1h)
# Environment: SOAK_CONNS (default 4), SOAK_RATE (msgs/s, default 0: closed
# loop, as fast as loopback goes), SOAK_DIR (keep the outputs there instead
# of a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-2m}"
case "$duration" in
*h) secs=$((${duration%h} * 3600)) ;;
*m) secs=$((${duration%m} * 60)) ;;
*s) secs=${duration%s} ;;
*) secs=$duration ;;
esac
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 10 ]; then
	echo "soak: DURATION $duration: want at least 10s, as Ns, Nm or Nh" >&2
	exit 2
fi
conns="${SOAK_CONNS:-4}"
rate="${SOAK_RATE:-0}"
warm=$((secs / 4 > 10 ? secs / 4 : 10))
every=5

dir="${SOAK_DIR:-}"
if [ -z "$dir" ]; then
	dir=$(mktemp -d)
fi
mkdir -p "$dir"
echo_pid=""
flood_pid=""
stop_children() {
	[ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null || true
	[ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null || true
}
cleanup() {
	stop_children
	if [ -z "${SOAK_DIR:-}" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT

go build -o "$dir/gigadex" .
gigadex="$dir/gigadex"

"$gigadex" echo --addr 127.0.0.1:0 >"$dir/echo.out" 2>"$dir/echo.err" &
echo_pid=$!
addr=""
for _ in $(seq 100); do
	addr=$(sed -n 's/^listening on //p' "$dir/echo.out")
	[ -n "$addr" ] && break
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "soak: gigadex echo did not start:" >&2
	cat "$dir/echo.err" >&2
	exit 1
fi

# sample prints "seconds rss_kib threads" for the echo process.
sample() {
	local t=$1 rss threads
	if [ -r "/proc/$echo_pid/status" ]; then
		rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$echo_pid/status")
		threads=$(awk '/^Threads:/ {print $2}' "/proc/$echo_pid/status")
	else
		rss=$(ps -o rss= -p "$echo_pid" | tr -d ' ')
		threads=$(ps -M -p "$echo_pid" 2>/dev/null | tail -n +2 | wc -l | tr -d ' ')
	fi
	echo "$t $rss $threads"
}

echo "soak: flood $duration over $conns connections (rate ${rate}: 0 is closed loop) against echo on $addr; outputs in $dir"
"$gigadex" flood --addr "$addr" --duration "${secs}s" --warmup 5s --conns "$conns" --rate "$rate" \
	--progress --json -o "$dir/flood.json" --hlog "$dir/flood.hlog" >/dev/null 2>"$dir/flood.err" &
flood_pid=$!
start=$SECONDS
: >"$dir/samples"
sample 0 >>"$dir/samples"
next=$every
while kill -0 "$flood_pid" 2>/dev/null && kill -0 "$echo_pid" 2>/dev/null; do
	if [ $((SECONDS - start)) -ge "$next" ]; then
		sample $((SECONDS - start)) >>"$dir/samples"
		next=$((next + every))
	fi
	sleep 0.5
done
kill -0 "$echo_pid" 2>/dev/null && sample $((SECONDS - start)) >>"$dir/samples"
flood_rc=0
wait "$flood_pid" || flood_rc=$?
flood_pid=""
kill -TERM "$echo_pid" 2>/dev/null || true
wait "$echo_pid" || true
echo_pid=""

# The JSON result is indented by two spaces: top-level fields start a line.
field() { sed -n "s/^  \"$1\": \\([^,]*\\),*\$/\\1/p" "$dir/flood.json" | head -n 1; }
errors=$(field errors)
msgs_per_sec=$(field msgs_per_sec)
received=$(field received)
measured=$(field duration_s)

# Per-second round trips: each whole interval of the .hlog (every tag)
# goes into a log of its own, which "gigadex report table" sums up.
grep '^[#"]' "$dir/flood.hlog" >"$dir/hlog.head" || true
grep -v '^[#"]' "$dir/flood.hlog" | sed 's/^Tag=[^,]*,//' | awk -F, '$2 >= 0.99 {print $1}' | sort -un >"$dir/seconds" || true
: >"$dir/rates"
while read -r ts; do
	{
		cat "$dir/hlog.head"
		grep -v '^[#"]' "$dir/flood.hlog" | awk -F, -v ts="$ts" '{f = ($1 ~ /^Tag=/) ? $2 : $1} f == ts'
	} >"$dir/second.hlog"
	"$gigadex" report table "$dir/second.hlog" | awk -F'|' '$2 ~ /^ *received *$/ {split($3, a, " "); print a[1]}' >>"$dir/rates"
done <"$dir/seconds"
rm -f "$dir/second.hlog" "$dir/hlog.head" "$dir/seconds"

read -r rate_min rate_median rate_max nsec < <(sort -n "$dir/rates" | awk '{v[NR] = $1} END {if (NR == 0) print 0, 0, 0, 0; else print v[1], v[int((NR + 1) / 2)], v[NR], NR}')
read -r _ rss_start threads_start < <(head -n 1 "$dir/samples")
read -r t_warm rss_warm threads_warm < <(awk -v w="$warm" '$1 >= w {print; exit}' "$dir/samples")
read -r t_end rss_end threads_end < <(tail -n 1 "$dir/samples")

failed=0
check() { # name ok detail
	local verdict=ok
	if [ "$2" != 1 ]; then
		verdict=FAIL
		failed=1
	fi
	printf '%-34s %-4s %s\n' "$1" "$verdict" "$3"
}

echo
echo "echo process, every ${every} s:"
printf '%8s %10s %8s\n' "time (s)" "RSS (MiB)" "threads"
awk '{printf "%8d %10.1f %8d\n", $1, $2 / 1024, $3}' "$dir/samples"
echo
printf '%-34s %s\n' "duration (measured)" "${measured:-?} s"
printf '%-34s %s\n' "throughput" "${msgs_per_sec%.*} msgs/s (${received:-?} round trips)"
printf '%-34s %s\n' "per-second round trips" "min $rate_min, median $rate_median, max $rate_max over $nsec whole seconds"
printf '%-34s %s\n' "echo RSS start / after warm-up / end" "$((rss_start / 1024)) / $((${rss_warm:-0} / 1024)) / $((rss_end / 1024)) MiB (warm-up ends at ${t_warm:-?} s)"
printf '%-34s %s\n' "echo threads after warm-up / end" "${threads_warm:-?} / $threads_end"
printf '%-34s %s\n' "echo totals" "$(sed -n 's/^totals: //p' "$dir/echo.out")"
echo
check "flood exit code" "$([ "$flood_rc" = 0 ] && echo 1)" "$flood_rc"
check "errors" "$([ "${errors:-x}" = 0 ] && echo 1)" "${errors:-no JSON result}"
if [ -n "${rss_warm:-}" ]; then
	drift=$(awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
	flat=$(awk -v d="$drift" 'BEGIN {print (d <= 20 && d >= -20) ? 1 : 0}')
	check "RSS flat (within 20%)" "$flat" "${drift}% from ${t_warm} s to ${t_end} s"
	check "threads flat (at most +4)" "$([ "$threads_end" -le $((threads_warm + 4)) ] && echo 1)" "$threads_warm -> $threads_end"
else
	check "RSS flat (within 20%)" 0 "no sample after the warm-up"
fi
stable=$(awk -v lo="$rate_min" -v med="$rate_median" 'BEGIN {print (med > 0 && lo >= med / 2) ? 1 : 0}')
check "rate stable (min >= 50% of median)" "$stable" "min $rate_min, median $rate_median"
if [ "$failed" != 0 ]; then
	echo
	echo "soak: FAILED; flood stderr (last lines):"
	tail -n 5 "$dir/flood.err"
	exit 1
fi
echo
echo "soak: passed"
