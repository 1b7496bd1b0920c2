#!/usr/bin/env bash
# perf-pair.sh: record a ping-pong pair's scheduler events and system calls,
# per thread, and print them per round trip (scripts/perf-threads.py).
#
#   scripts/perf-pair.sh NAME "ECHO ARGS" "PING ARGS"   (NAME sockperf: the sockperf pair)
#   CPUS=0 (default) pins both sides with taskset; CPUS= runs them unpinned.
#   SECS=2: how long to record, after 1 s of warmup.
set -euo pipefail
name=$1 sargs=${2:-} cargs=${3:-}
cpus=${CPUS-0} secs=${SECS:-2}
bin=${GDX:-/tmp/gdx-perf}
port=$((20000 + RANDOM % 20000))
pin() { if [ -n "$cpus" ]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi; } # run with &: $! is the program
out=${OUT:-/tmp/perf-pair-$name}
if [ "$name" = sockperf ]; then
	pin sockperf server -i 127.0.0.1 -p $port --tcp >/dev/null 2>&1 &
	spid=$!
	sleep 0.3
	pin sockperf ping-pong -i 127.0.0.1 -p $port --tcp -m 52 --full-rtt -t $((secs + 3)) >"$out.client" 2>&1 &
	cpid=$!
else
	# shellcheck disable=SC2086
	pin "$bin" echo --addr 127.0.0.1:$port --idle-timeout 0 $sargs >"$out.server" 2>&1 &
	spid=$!
	sleep 0.3
	# shellcheck disable=SC2086
	pin "$bin" ping --addr 127.0.0.1:$port --count 0 --duration $((secs + 3))s --warmup 0 --quiet --json $cargs >"$out.client" 2>&1 &
	cpid=$!
fi
sleep 1
perf record -q -o "$out.data" -e sched:sched_switch,sched:sched_wakeup,signal:signal_generate,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,syscalls:sys_enter_sched_yield,syscalls:sys_enter_tgkill,syscalls:sys_enter_rt_sigreturn \
	-p "$spid,$cpid" -- sleep "$secs" >/dev/null 2>&1 || true
wait "$cpid" || true
kill -INT "$spid" 2>/dev/null || true
wait || true
echo "== $name: echo $sargs / ping $cargs (cpus=${cpus:-all})"
perf script -i "$out.data" -F comm,pid,tid,event,trace 2>/dev/null |
	python3 "$(dirname "$0")/perf-threads.py" server="$spid" client="$cpid"
