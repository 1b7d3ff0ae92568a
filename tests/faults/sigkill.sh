#!/usr/bin/env bash
# Fault: SIGKILL 100 times under load.
#
# The daemon reads two DSMR meters at 20 telegrams a second: "ext", a `hanp1d sim
# --listen` meter over TCP that runs on while the daemon is killed (its registers
# never go back), and "load", a built-in sim:dsmr50-nl?speed=20 (which starts over
# with each daemon). store_interval and commit_interval are 1 s; an HTTP client
# polls the status, the live values and the history all along. After a clean
# first run, the daemon is started on the same database and SIGKILLed at a random
# moment 0.1 to 1.5 s later (during start-up, recovery, a commit, or between),
# 100 times; every tenth time it must first answer /api/v1/status.
#
# What must hold, asserted after each kill (on a copy of the database and its WAL
# taken meanwhile, so that the daemon recovers its own WAL at the next start):
#  - the daemon was still running when killed (it never exited by itself), and it
#    started every time on the same file: same inode, nothing moved aside, the
#    log never calls it corrupt;
#  - `PRAGMA integrity_check` says ok;
#  - committed data is never lost (a_sigkill_check.py): per meter the raw row
#    count, the newest raw time, the bucket count, the energy in the 15-minute
#    buckets and the series' booked time never go below what the previous check
#    saw; no bucket or raw row holds negative energy; the "ext" meter's raw
#    registers never decrease in time order, its series register never goes back
#    and it never starts a new series.
# At the end: a last run stopped with SIGTERM exits 0 (under ASan: no sanitizer
# or leak report in the log), the checks hold once more, and the "ext" meter's
# 15-minute buckets add up to exactly what its registers counted from its first
# raw row to its last booked reading: the energy of every kill was booked; raw
# rows were committed between the kills (more than 20), and the HTTP client was
# answered.
# The random moments come from FA_SEED (printed) when given; FA_KEEP=DIR keeps the
# database copies of the first failing check. Loopback only; about 2 minutes.
set -u
hanp1d=${1:?usage: sigkill.sh HANP1D}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
need curl sqlite3 python3

seed=${FA_SEED:-$(($(date +%s) % 32768))}
RANDOM=$seed
echo "# seed $seed (FA_SEED=$seed repeats these moments)"
db=$tmp/history.db
http=$(free_port)
api="http://127.0.0.1:$http/api/v1"

"$hanp1d" sim --listen 127.0.0.1:0 --meter dsmr --speed 20 >"$tmp/sim.out" 2>&1 &
pids+=("$!")
until_ok 5 'grep -q "listening on 127.0.0.1:" "$tmp/sim.out"'
sim_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/sim.out")
check '[ -n "$sim_port" ]' "the TCP meter listens ($(head -1 "$tmp/sim.out"))"

cat >"$tmp/hanp1d.conf" <<CONF
[meter ext]
source = tcp://127.0.0.1:$sim_port

[meter load]
source = sim:dsmr50-nl?speed=20

[http]
listen = 127.0.0.1:$http

[store]
path = $db
store_interval = 1
commit_interval = 1
CONF

# The HTTP client, for load: it polls until $tmp/stop-poll exists (at most 10
# minutes) and counts the answers it got.
python3 - "http://127.0.0.1:$http" "$tmp/stop-poll" "$tmp/poll.count" <<'PY' &
import os, sys, time, urllib.request
base, stop, count = sys.argv[1:4]
paths = ["/api/v1/status", "/api/v1/meters/ext/now", "/api/v1/meters/load/now",
         "/api/v1/meters/ext/history?resolution=raw&from=2000-01-01T00:00:00Z",
         "/api/v1/meters/load/history?resolution=hour", "/metrics"]
ok = tried = 0
end = time.time() + 600
while not os.path.exists(stop) and time.time() < end:
    tried += 1
    try:
        with urllib.request.urlopen(base + paths[tried % len(paths)], timeout=2) as r:
            r.read()
            ok += 1
        time.sleep(0.002)  # load, not a flood: the machine is shared
    except OSError:
        time.sleep(0.05)
open(count, "w").write("%d %d\n" % (ok, tried))
PY
pids+=("$!")

start() {
	"$hanp1d" -c "$tmp/hanp1d.conf" 2>>"$tmp/daemon.log" &
	daemon=$!
	pids+=("$daemon")
}
answers() { curl -sf -m 2 "$api/status" -o "$tmp/status.json"; }
running() {
	answers && json "$tmp/status.json" 'all(m["readings"] > 0 for m in o["meters"]) and o["store"]["commits"] >= 2'
}
# stop_clean: SIGTERM, the exit status in $rc.
stop_clean() {
	kill -TERM "$daemon"
	wait "$daemon"
	rc=$?
}
snapshot() { # copies the database and its WAL, as they are, to $tmp/copy
	rm -rf "$tmp/prev"
	[ -d "$tmp/copy" ] && mv "$tmp/copy" "$tmp/prev"
	mkdir "$tmp/copy"
	cp "$db" "$tmp/copy/history.db"
	[ -e "$db-wal" ] && cp "$db-wal" "$tmp/copy/history.db-wal"
	return 0
}
verify() { # verify [final]: integrity and the committed figures against the last ones
	snapshot
	local integrity
	integrity=$(sqlite3 "$tmp/copy/history.db" 'PRAGMA integrity_check' 2>&1)
	[ "$integrity" = ok ] || {
		echo "  integrity_check: $integrity"
		return 1
	}
	python3 "$here/a_sigkill_check.py" "$tmp/copy/history.db" "$tmp/state.json" ext "$@" >"$tmp/check.out" 2>&1 ||
		{
			keep
			return 1
		}
}
# keep: with FA_KEEP=DIR, the first failure leaves the database copies (before and
# after the kill), the figures and the log in DIR.
keep() {
	[ -n "${FA_KEEP:-}" ] && [ ! -e "$FA_KEEP/daemon.log" ] || return 0
	mkdir -p "$FA_KEEP"
	cp -r "$tmp/copy" "$tmp/prev" "$tmp/state.json" "$tmp/daemon.log" "$FA_KEEP/" 2>/dev/null
}

# The first run: the database is made, every booking written at the clean stop.
start
check 'until_ok 15 running' "the first run reads both meters and commits"
stop_clean
check '[ "$rc" = 0 ]' "the first run stops cleanly ($rc)"
verify
check '[ $? = 0 ]' "the first run's database: integrity ok, $(cat "$tmp/check.out")"
inode=$(stat -c %i "$db")
raw0=$(sqlite3 "$db" 'SELECT count(*) FROM raw')

kills=100
killed=0
intact=0
kept=0
answered=0
t_all=$(now_ns)
for k in $(seq "$kills"); do
	start
	if [ $((k % 10)) = 0 ]; then
		until_ok 15 answers && answered=$((answered + 1))
	fi
	delay=$((100 + RANDOM % 1400))
	sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
	if kill -0 "$daemon" 2>/dev/null; then
		kill -9 "$daemon"
		wait "$daemon" 2>/dev/null
		rc=$?
		if [ "$rc" = 137 ]; then
			killed=$((killed + 1))
		else
			bad "kill $k: the daemon ended with $rc, not by the SIGKILL"
		fi
	else
		wait "$daemon"
		rc=$?
		bad "kill $k: the daemon had exited by itself ($rc) after $delay ms: $(tail -n 3 "$tmp/daemon.log")"
		break
	fi
	if [ "$(stat -c %i "$db" 2>/dev/null)" = "$inode" ] && ! ls "$tmp" | grep -q corrupt; then
		kept=$((kept + 1))
	else
		bad "kill $k: the database is not the same file any more: $(ls "$tmp")"
	fi
	if verify; then
		intact=$((intact + 1))
	else
		bad "kill $k after $delay ms: $(cat "$tmp/check.out")"
	fi
done
echo "# $kills kills in $(ms_since "$t_all") ms; $(cat "$tmp/check.out")"
check '[ "$killed" = "$kills" ]' "the daemon was running at each of the $kills kills ($killed)"
check '[ "$answered" = $((kills / 10)) ]' "it answered /api/v1/status after every tenth restart ($answered)"
check '[ "$kept" = "$kills" ]' "it started on the same database file each time, nothing moved aside ($kept)"
check '[ "$intact" = "$kills" ]' \
	"after each kill: integrity ok, no committed data lost, no negative energy, registers never back ($intact)"
check '! grep -q "store: .* is corrupt" "$tmp/daemon.log"' "the log never calls the database corrupt"

# The last run: a clean stop writes every booking; the energy adds up.
start
check 'until_ok 15 running' "a last run after the kills reads both meters and commits"
stop_clean
check '[ "$rc" = 0 ]' "the last run stops cleanly ($rc)"
check 'verify final' "after the last run: integrity ok, nothing lost, the ext meter's energy adds up"
cat "$tmp/check.out"
raw1=$(sqlite3 "$db" 'SELECT count(*) FROM raw')
check '[ "$raw1" -gt $((raw0 + 20)) ]' "raw rows were committed between the kills ($raw0 after the first run, $raw1 at the end)"
touch "$tmp/stop-poll"
until_ok 5 '[ -s "$tmp/poll.count" ]'
read -r poll_ok poll_tried <"$tmp/poll.count"
echo "# the HTTP client got $poll_ok answers to $poll_tried requests"
check '[ "${poll_ok:-0}" -gt 0 ]' "the HTTP client was answered between the kills"
check '! grep -q -E "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/daemon.log"' \
	"no sanitizer report in the daemon's log"
[ "$fail" = 0 ] || { echo "# the daemon's log:"; grep -v -e '^<[56]>' "$tmp/daemon.log" | tail -n 30; }
finish "sigkill"
