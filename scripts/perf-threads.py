#!/usr/bin/env python3
"""perf-threads.py: per-thread scheduler and system call events of a ping-pong pair.

Reads `perf script -F comm,pid,tid,event,trace` output of a recording made
with perf record -e sched:sched_switch,sched:sched_wakeup,raw_syscalls... -p
SERVER,CLIENT (see scripts/perf-pair.sh) and prints, per process and thread,
the events per round trip. A round trip is one write(2)/sendto(2) of the
server. Each thread gets a role from what it does: sysmon (nanosleep), the
main M (most writes), other Ms.
"""
import collections
import re
import sys

pids = {}  # pid -> name
for arg in sys.argv[1:]:
    name, pid = arg.split("=")
    pids[int(pid)] = name

count = collections.defaultdict(collections.Counter)  # (pid, tid) -> event -> n
wakes = collections.Counter()  # (waker pid, waker tid, wakee tid) -> n
tid_pid = {}
line_re = re.compile(r"^\s*(\S.*?)\s+(\d+)/(\d+)\s+(\S+):\s*(.*)$")
for line in sys.stdin:
    m = line_re.match(line)
    if not m:
        continue
    comm, pid, tid, ev, rest = m.groups()
    pid, tid = int(pid), int(tid)
    if pid not in pids:
        continue
    tid_pid[tid] = pid
    ev = ev.split(":")[-1].replace("sys_enter_", "")
    if ev == "sched_switch":
        # prev_state R/R+ = preempted (involuntary), anything else = blocked
        st = re.search(r"prev_state=(\S+)", rest)
        ev = "switch-out(preempted)" if st and st.group(1).startswith("R") else "switch-out(blocked)"
    if ev == "sched_wakeup":
        wt = re.search(r"pid=(\d+)", rest)
        wakes[(pid, tid, int(wt.group(1)))] += 1
        ev = "wakeups-done"
    if ev == "signal_generate":
        sig = re.search(r"sig=(\d+)", rest)
        ev = "signal %s sent" % sig.group(1)
    count[(pid, tid)][ev] += 1

rtts = {}
for pid, name in pids.items():
    w = sum(c["write"] + c["sendto"] for (p, t), c in count.items() if p == pid)
    rtts[pid] = w
server = [p for p, n in pids.items() if n == "server"][0]
n = rtts[server] or 1
print("round trips (server writes): %d" % n)
for pid, name in pids.items():
    threads = [(t, c) for (p, t), c in count.items() if p == pid]
    main = max(threads, key=lambda tc: tc[1]["write"] + tc[1]["sendto"] + tc[1]["recvfrom"] + tc[1]["read"])[0] if threads else None
    print("\n%s (pid %d): per round trip" % (name, pid))
    evs = sorted({e for _, c in threads for e in c})
    for t, c in sorted(threads):
        role = "main M" if t == main else ("sysmon" if c["nanosleep"] > 0 and c["write"] == 0 and c["sendto"] == 0 else "other M")
        woken = sum(v for (wp, wt, ee), v in wakes.items() if ee == t)
        fields = ["%s %.3f" % (e, c[e] / n) for e in evs if c[e]]
        print("  tid %d %-8s woken %.3f | %s" % (t, role, woken / n, ", ".join(fields)))
