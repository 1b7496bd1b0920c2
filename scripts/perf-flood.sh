#!/usr/bin/env bash
# perf-flood.sh: what a flood costs each side, per 1,000 echoed messages:
# CPU time (ns per message), context switches and system calls, counted by
# perf stat on the server and the client for 2 s of a flood (by default
# 4 connections x 1024 in flight).
#
#   scripts/perf-flood.sh SERVER CLIENT [CONNS [WINDOW]]   (each gigadex or rust)
#   GIGADEX=path  ECHO_FLAGS=...  FLOOD_FLAGS=...
#
# Needs perf (apt-get install linux-perf), go, cargo, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?usage: perf-flood.sh gigadex|rust gigadex|rust} client=${2:?usage: perf-flood.sh gigadex|rust gigadex|rust}
conns=${3:-4} window=${4:-1024}
# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
scratch perf-flood
build_peers
ulimit -n $((4 * conns + 1024)) 2>/dev/null || true
gd=$gigadex rs=$rust_peer
if [ "$server" = gigadex ]; then
	# shellcheck disable=SC2086
	start_server server "$gd" echo --addr 127.0.0.1:0 --quiet ${ECHO_FLAGS:-}
else
	start_server server "$rs" echo 127.0.0.1:0
fi
spid=${pids[-1]}
if [ "$client" = gigadex ]; then
	# shellcheck disable=SC2086
	"$gd" flood --addr "$addr" --conns "$conns" --window "$window" --duration 4s --warmup 0.5s --json --quiet ${FLOOD_FLAGS:-} >"$work/c.out" &
else
	"$rs" flood "$addr" "$conns" "$window" 4 0.5 >"$work/c.out" &
fi
cpid=$!
sleep 1
ev=task-clock,context-switches,raw_syscalls:sys_enter,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_read,syscalls:sys_enter_write
ev=$ev,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep
perf stat -x, -e "$ev" -p "$spid" -o "$work/s.stat" -- sleep 2 &
perf stat -x, -e "$ev" -p "$cpid" -o "$work/c.stat" -- sleep 2
wait "$cpid"
if [ "$client" = gigadex ]; then
	rate=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["msgs_per_sec"])' "$work/c.out")
else
	rate=$(sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' "$work/c.out")
fi
python3 - "$work/s.stat" "$work/c.stat" "$rate" "$server" "$client" <<'PY'
import sys
rate = float(sys.argv[3])
msgs = rate * 2  # messages echoed during the 2 s counted
def load(path):
    d = {}
    for line in open(path):
        f = line.strip().split(",")
        if len(f) > 3 and f[0][:1].isdigit():
            d[f[2]] = float(f[0])
    return d
s, c = load(sys.argv[1]), load(sys.argv[2])
print("%s flood -> %s echo: %.2f M msgs/s" % (sys.argv[5], sys.argv[4], rate / 1e6))
print("%-24s %12s %12s" % ("per 1,000 messages", "server", "client"))
for k in s:
    name = k.replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "all system calls")
    if k == "task-clock":  # msec
        print("%-24s %12.1f %12.1f" % ("CPU, ns per message", s[k] * 1e6 / msgs, c.get(k, 0) * 1e6 / msgs))
    else:
        print("%-24s %12.3f %12.3f" % (name, s[k] * 1000 / msgs, c.get(k, 0) * 1000 / msgs))
PY
