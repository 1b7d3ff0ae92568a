#!/usr/bin/env bash
# The daemon under a simulated systemd: NOTIFY_SOCKET names a unix datagram socket
# notify_listener.py holds (it logs every datagram with its monotonic time and the
# sender's pid, and GETs /api/v1/status the moment READY=1 comes). What must hold:
# - READY=1 comes once, first, from the daemon's pid, and the HTTP listener
#   answers at that moment;
# - with WATCHDOG_USEC=2000000 (WATCHDOG_PID unset: libsystemd takes it as ours),
#   WATCHDOG=1 comes at least every WATCHDOG_USEC/2 (+0.75 s slack) from READY=1
#   to STOPPING=1, on a pipeline that runs;
# - STATUS= comes about every second and names the last frame's age (a few
#   seconds at most: the meter sends 20 frames a second);
# - SIGTERM: STOPPING=1 once, after every WATCHDOG=1, before the process exits,
#   and exit status 0;
# - WATCHDOG_PID naming another process: no WATCHDOG=1 at all, READY=1 still;
# - a source thread stuck in a call that does not return (a replay of a FIFO
#   nobody writes to blocks in open()): WATCHDOG=1 stops within the daemon's
#   5 s grace, the log says which meter, and STATUS= still counts the other
#   meter's errors; once a writer comes, the pings resume.
# Loopback only; about 25 s.
set -u
hanp1d=${1:?usage: test-notify.sh HANP1D}
. "$(dirname "$0")/../lib.sh"
need curl python3
here=$(cd "$(dirname "$0")" && pwd)

port=$(free_port)
api="http://127.0.0.1:$port/api/v1"
sock=$tmp/notify.sock
nlog=$tmp/notify.log
WATCHDOG_US=2000000
RUN_S=6

cat >"$tmp/hanp1d.conf" <<CONF
[meter home]
source = sim:dsmr50-nl?speed=20

[http]
listen = 127.0.0.1:$port

[store]
path = $tmp/history.db
store_interval = 1
commit_interval = 1

[daemon]
log_level = info
CONF

mono() { python3 -c 'import time; print(time.monotonic())'; }
# said PID FIELD: the listener has logged FIELD=1 from PID.
said() { grep "\"pid\": $1," "$nlog" 2>/dev/null | grep -q "\"$2\": \"1\""; }

python3 "$here/notify_listener.py" "$sock" "$nlog" --probe "$api/status" >"$tmp/listener.out" 2>&1 &
listener=$!
pids+=("$listener")
check 'until_ok 5 "grep -q listening \"$tmp/listener.out\""' "the notify listener starts"

# One run with the watchdog on.
env -u WATCHDOG_PID NOTIFY_SOCKET="$sock" WATCHDOG_USEC=$WATCHDOG_US \
	"$hanp1d" -c "$tmp/hanp1d.conf" 2>"$tmp/daemon.log" &
pid=$!
pids+=("$pid")
check 'until_ok 10 "said $pid READY"' "READY=1 arrives"
sleep "$RUN_S"
check 'kill -0 "$pid"' "the daemon runs"
kill -TERM "$pid"
wait "$pid"
rc=$?
exit_mono=$(mono)
check '[ "$rc" = 0 ]' "SIGTERM exits 0 (got $rc)"
# Whatever the daemon sent is queued on the socket by now; let the listener log it.
until_ok 3 "said $pid STOPPING"

# check_log PYTHON LEGEND: PYTHON sees `recs` (every logged datagram), `mine` (those
# from the daemon $pid), `wd_us`, `exit_mono` (when the exit was seen) and the
# helpers has() and gaps(); it exits 0 when the check holds, else prints why not.
check_log() {
	local out
	out=$(python3 - "$nlog" "$pid" "$WATCHDOG_US" "$exit_mono" <<PY 2>&1
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
pid, wd_us, exit_mono = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
mine = [r for r in recs if r["pid"] == pid]
def has(r, k, v=None): return k in r["fields"] and (v is None or r["fields"][k] == v)
def gaps(ts): return [b - a for a, b in zip(ts, ts[1:])]
$1
PY
)
	if [ $? = 0 ]; then ok; else bad "$2${out:+: $out}"; fi
}

check_log 'sys.exit(0 if mine and len(mine) == len(recs) else print(len(mine), len(recs)) or 1)' \
	"every datagram comes from the daemon's pid (SCM_CREDENTIALS)"
check_log 'r = [x for x in mine if has(x, "READY")]
sys.exit(0 if len(r) == 1 and r[0]["fields"]["READY"] == "1" and mine[0] is r[0] else print(r[:2]) or 1)' \
	"READY=1 once, before anything else"
check_log 'r = [x for x in mine if has(x, "READY", "1")][0]
sys.exit(0 if r.get("probe") == 200 else print(r.get("probe")) or 1)' \
	"the HTTP listener answers /api/v1/status the moment READY=1 comes"
# The watchdog: pings from READY=1 on, none after STOPPING=1, never further apart
# than WATCHDOG_USEC/2 plus 0.75 s (the loop wakes at least every 0.5 s).
check_log 'ready = [x["mono"] for x in mine if has(x, "READY", "1")][0]
stop = [x["mono"] for x in mine if has(x, "STOPPING", "1")][0]
wd = [x["mono"] for x in mine if has(x, "WATCHDOG", "1")]
limit = wd_us / 2e6 + 0.75
g = gaps([ready] + wd + [stop])
ok = len(wd) >= (stop - ready) / limit and all(ready <= t <= stop for t in wd) and max(g) <= limit
sys.exit(0 if ok else print("%d pings in %.2f s, largest gap %.2f s (limit %.2f)" % (len(wd), stop - ready, max(g), limit)) or 1)' \
	"WATCHDOG=1 at least every WATCHDOG_USEC/2 (+0.75 s) while the pipeline runs"
check_log 'sys.exit(0 if all(has(x, "WATCHDOG", "1") for x in mine if has(x, "WATCHDOG")) else 1)' \
	"WATCHDOG= only ever says 1"
# STATUS=: about once a second; once readings flow, the last frame's age in it.
check_log 'st = [x for x in mine if has(x, "STATUS")]
g = gaps([x["mono"] for x in st])
ok = len(st) >= 4 and max(g) <= 1.75
sys.exit(0 if ok else print(len(st), g) or 1)' \
	"STATUS= about once a second"
check_log 'st = [x["fields"]["STATUS"] for x in mine if has(x, "STATUS")]
ages = [int(m.group(1)) for m in (re.search(r"\bhome: last frame (\d+)s ago", s) for s in st) if m]
last = re.search(r"\bhome: last frame (\d+)s ago", st[-1])
ok = len(ages) >= 3 and last is not None and int(last.group(1)) <= 2 and max(ages) <= 2
sys.exit(0 if ok else print(st[-3:]) or 1)' \
	"STATUS= has the last frame's age (at most 2 s on a meter sending 20 frames/s)"
check_log 'stops = [x for x in mine if has(x, "STOPPING")]
last_wd = max([x["mono"] for x in mine if has(x, "WATCHDOG")] or [0])
ok = len(stops) == 1 and stops[0]["fields"]["STOPPING"] == "1" and last_wd <= stops[0]["mono"] <= exit_mono
sys.exit(0 if ok else print(stops, last_wd, exit_mono) or 1)' \
	"STOPPING=1 once, after the last WATCHDOG=1, before the process has exited"

# A watchdog meant for another process (WATCHDOG_PID is the shell's): no pings.
first=$pid
env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=$WATCHDOG_US WATCHDOG_PID=$$ \
	"$hanp1d" -c "$tmp/hanp1d.conf" 2>>"$tmp/daemon.log" &
pid=$!
pids+=("$pid")
check 'until_ok 10 "said $pid READY"' \
	"READY=1 with a watchdog for another pid"
sleep 3
kill -TERM "$pid"
wait "$pid"
rc=$?
exit_mono=$(mono)
check '[ "$rc" = 0 ]' "SIGTERM exits 0 (got $rc)"
until_ok 3 "said $pid STOPPING"
check_log 'ok = any(has(x, "STATUS") for x in mine) and any(has(x, "STOPPING", "1") for x in mine) and not any(has(x, "WATCHDOG") for x in mine)
sys.exit(0 if ok else print([x["raw"] for x in mine][:5]) or 1)' \
	"no WATCHDOG=1 when WATCHDOG_PID names another process; STATUS= and STOPPING=1 still"
check '[ "$first" != "$pid" ]' "two different daemon processes"

# A stuck source thread: a second meter replays a FIFO nobody writes to. A third
# replays telegrams whose CRC is wrong: errors, never a reading.
mkfifo "$tmp/stuck.fifo"
"$hanp1d" sim --meter dsmr50-nl --count 3 | sed 's/1-0:1\.8\.1(0/1-0:1.8.1(9/' >"$tmp/bad-crc.txt"
cat >"$tmp/stuck.conf" <<CONF
[meter home]
source = sim:dsmr50-nl?speed=20

[meter stuck]
source = replay:$tmp/stuck.fifo

[meter broken]
source = replay:$tmp/bad-crc.txt?speed=20

[http]
listen = 127.0.0.1:$port

[store]
path = $tmp/stuck.db
CONF
env -u WATCHDOG_PID NOTIFY_SOCKET="$sock" WATCHDOG_USEC=$WATCHDOG_US \
	"$hanp1d" -c "$tmp/stuck.conf" 2>"$tmp/stuck.log" &
pid=$!
pids+=("$pid")
check 'until_ok 10 "said $pid READY"' "READY=1 with a stuck source"
sleep 9
stuck_mono=$(mono)
check 'grep -q "meter stuck: the source thread has not come back" "$tmp/stuck.log"' \
	"the log names the meter whose source thread is stuck"
# A writer unblocks open(); the replay refuses the FIFO and waits its backoff.
exec 9<>"$tmp/stuck.fifo"
sleep 3
check 'grep -q "meter stuck: the source thread turns again" "$tmp/stuck.log"' \
	"the log says when the thread turns again"
kill -TERM "$pid"
wait "$pid"
rc=$?
exec 9>&-
exit_mono=$(mono)
check '[ "$rc" = 0 ]' "SIGTERM exits 0 (got $rc)"
until_ok 3 "said $pid STOPPING"
# Pings before the grace ran out, none from then until the writer came, some after.
check_log 'ready = [x["mono"] for x in mine if has(x, "READY", "1")][0]
wd = [x["mono"] for x in mine if has(x, "WATCHDOG", "1")]
stuck = '"$stuck_mono"'
quiet = [t for t in wd if ready + 6.5 < t < stuck]
after = [t for t in wd if t > stuck]
sys.exit(0 if not quiet and after else print("pings %s, ready %.1f, stuck until %.1f" % (["%.1f" % t for t in wd], ready, stuck)) or 1)' \
	"WATCHDOG=1 stops while a source thread is stuck, and resumes after"
check_log 'st = [x["fields"]["STATUS"] for x in mine if has(x, "STATUS")]
ok = any(re.search(r"broken: no reading yet \(running\), [1-9]\d* errors", s) for s in st)
sys.exit(0 if ok else print(st[-2:]) or 1)' \
	"STATUS= counts the errors of a meter without a reading yet"

if [ "$fail" != 0 ]; then
	echo "--- notify log (last 10)"; tail -n 10 "$nlog"
	echo "--- daemon log (last 20)"; tail -n 20 "$tmp/daemon.log"
fi
finish notify
