#!/usr/bin/env bash
# perf-events.sh: kernel events per round trip of a ping-pong pair.
#
# Runs a server and a client, each under its own `perf stat` (all their
# threads, from start to end), and divides the counts by the round trips the
# client made. Counts, unlike microseconds, do not depend on a quiet machine.
#
#   scripts/perf-events.sh [-c CPUS] [-n ROUNDTRIPS] PAIR...
#   PAIR: sockperf | default | blocking | busy-poll | echo-blocking | ping-blocking
#         | io:SERVER_IO:CLIENT_FLAGS (e.g. io:auto:--blocking)
#   -c CPUS  taskset CPU list for both sides ("" for none; default 0)
#   -n N     round trips of a gigadex client (default 200000); sockperf runs
#            for 3 s and its own count of round trips is used
#
# Needs perf (linux-perf) with tracepoint access (root or perf_event_paranoid <= -1).
set -euo pipefail
cpus=0 n=200000 secs=3
while getopts c:n: o; do case $o in c) cpus=$OPTARG ;; n) n=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- sockperf default blocking
bin=${GDX:-/tmp/gdx-perf}
ev=context-switches,cpu-migrations,sched:sched_wakeup,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_select,syscalls:sys_enter_poll,syscalls:sys_enter_futex,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_nanosleep,syscalls:sys_enter_sched_yield,signal:signal_generate,signal:signal_deliver,syscalls:sys_enter_tgkill,timer:hrtimer_expire_entry
pin() { if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=$((20000 + RANDOM % 20000))

for pair in "$@"; do
	port=$((port + 1))
	case $pair in
	sockperf) srv=(sockperf server -i 127.0.0.1 -p $port --tcp) ;;
	default | ping-blocking) srv=("$bin" echo --addr 127.0.0.1:$port --idle-timeout 0) ;;
	blocking | echo-blocking | busy-poll) srv=("$bin" echo --addr 127.0.0.1:$port --idle-timeout 0 --blocking) ;;
	io:*) srv=("$bin" echo --addr 127.0.0.1:$port --idle-timeout 0 --io "$(cut -d: -f2 <<<"$pair")") ;;
	*) echo "unknown pair $pair" >&2; exit 2 ;;
	esac
	case $pair in
	sockperf) cli=(sockperf ping-pong -i 127.0.0.1 -p $port --tcp -m 52 --full-rtt -t "$secs") ;;
	default | echo-blocking) cli=("$bin" ping --addr 127.0.0.1:$port --count "$n" --warmup 0 --quiet --json) ;;
	blocking | ping-blocking) cli=("$bin" ping --addr 127.0.0.1:$port --count "$n" --warmup 0 --quiet --json --blocking) ;;
	busy-poll) cli=("$bin" ping --addr 127.0.0.1:$port --count "$n" --warmup 0 --quiet --json --busy-poll) ;;
	io:*) read -ra extra <<<"$(cut -d: -f3- <<<"$pair")"
		cli=("$bin" ping --addr 127.0.0.1:$port --count "$n" --warmup 0 --quiet --json "${extra[@]}") ;;
	esac
	perf stat -x, -o "$tmp/srv" -e "$ev" -- taskset -c "${cpus:-0-1023}" "${srv[@]}" >"$tmp/srv.out" 2>&1 &
	sleep 0.5
	spid=$(pgrep -n -f -- "127.0.0.1 -p $port|127.0.0.1:$port" | head -1)
	perf stat -x, -o "$tmp/cli" -e "$ev" -- taskset -c "${cpus:-0-1023}" "${cli[@]}" >"$tmp/cli.out" 2>&1 || true
	kill -INT "$spid" 2>/dev/null || true
	wait
	rtts=$n
	if [ "$pair" = sockperf ]; then
		rtts=$(grep -o 'Total Run.*ReceivedMessages=[0-9]*' "$tmp/cli.out" | grep -o '[0-9]*$')
	fi
	echo "== $pair (cpus=${cpus:-all}, $rtts round trips)"
	awk -F, -v n="$rtts" '
		FNR == 1 { side = (FILENAME ~ /srv$/) ? "server" : "client" }
		$3 != "" && $1 ~ /^[0-9.]+$/ { ev = $3; sub(/^.*:(sys_enter_)?/, "", ev); v[side, ev] = $1; names[ev] = 1 }
		END {
			printf "%-20s %10s %10s\n", " event per rtt", "client", "server"
			for (e in names) printf "%-20s %10.3f %10.3f\n", e, v["client", e] / n, v["server", e] / n
		}' "$tmp/cli" "$tmp/srv" | sort
done
